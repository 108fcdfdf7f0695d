"""AppTest tests of the home page: the lecture map and the timeline."""

from dashboard.topics import LANDMARKS, TOPICS
from tests.pagetest import open_page, texts


def test_home_lists_every_topic_with_link_or_coming():
    at = open_page("home.py")
    page_text = texts(at)
    linked = {link.proto.page for link in at.get("page_link")}
    for topic in TOPICS:
        if topic.built:
            assert f"**{topic.title}**" in page_text and topic.url_path in linked, topic.title
        else:
            assert topic.url_path not in linked and f"{topic.title} · *coming*" in page_text
        assert topic.line in page_text


def test_home_has_the_timeline_of_landmarks():
    at = open_page("home.py")
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    figure = charts[0].proto.spec
    for landmark in LANDMARKS:
        assert landmark.title in figure
    years = {lm.year for lm in LANDMARKS}
    assert {2012, 2014, 2015, 2017, 2019, 2020, 2021, 2022, 2023} <= years
