"""AppTest tests of the home page: the lecture map and the timeline."""

import json

from dashboard.topics import LANDMARKS, TOPICS, topic_for
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


def test_timeline_has_ppca_and_mcmc_in_order_and_chatgpt_opens_the_text_page():
    at = open_page("home.py")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    dots = next(t for t in spec["data"] if t.get("mode") == "markers+text")
    labels = [text.split("<br>")[1] for text in dots["text"]]
    assert labels.index("Statistical models") < labels.index("Bayesian sampling (MCMC)") < labels.index("PPCA") \
        < labels.index("Neural networks win")
    assert dots["text"][labels.index("Bayesian sampling (MCMC)")].startswith("<b>1953–1990</b>")
    assert dots["text"][labels.index("PPCA")].startswith("<b>1999</b>")
    by_title = {lm.title: lm for lm in LANDMARKS}
    assert by_title["ChatGPT"].page == "text.py" and by_title["ChatGPT"].year == 2022
    assert by_title["PPCA"].page == "autoencoders.py" and by_title["Bayesian sampling (MCMC)"].page == "energy.py"
    filled = dots["marker"]["color"]
    for title in ("ChatGPT", "PPCA", "Bayesian sampling (MCMC)"):
        i = labels.index(title)
        assert filled[i] != "white" and topic_for(LANDMARKS[i].page).built  # a dot with a page, drawn filled
    at.switch_page("pages/" + by_title["ChatGPT"].page).run()  # where a click on the ChatGPT dot leads
    assert not at.exception and "Text generation" in [t.value for t in at.title]
