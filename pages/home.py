"""Home: the lecture's map, one card per topic, and the timeline of landmarks."""

import streamlit as st

from dashboard import fastfig
from dashboard.figures import timeline
from dashboard.topics import GENERATIVE, LANDMARKS, LEARNING, TOPICS, topic_for

st.title("GenLab: machine learning and generative models, live")
st.markdown(
    "Every page trains a real model in the background while you watch it learn. "
    "Move a slider and see what changes; copy the address bar to share exactly what you see."
)

for section in (LEARNING, GENERATIVE):
    st.subheader(section)
    topics = [t for t in TOPICS if t.section == section]
    for start in range(0, len(topics), 3):
        cols = st.columns(3)
        for col, topic in zip(cols, topics[start:start + 3]):
            with col.container(border=True):
                st.markdown(f"**{topic.title}**" if topic.built else f"{topic.title} · *coming*")
                st.caption(topic.line)
                if topic.built:
                    st.page_link(str(topic.path), label="Open", icon=topic.icon)

st.subheader("Landmarks")
st.caption("Filled dots have a page: click one to open it.")
pages = [lm.page for lm in LANDMARKS]
linked = [bool(p) and topic_for(p) is not None and topic_for(p).built for p in pages]
fig = timeline([lm.year for lm in LANDMARKS], [lm.title for lm in LANDMARKS],
               [lm.detail for lm in LANDMARKS], linked, when=[lm.when for lm in LANDMARKS])
fastfig.check(fig)  # the tests' check of a figure drawn without layout.chart (dashboard/fastfig.py)
event = st.plotly_chart(fig, on_select="rerun", selection_mode="points", key="timeline",
                        config={"displayModeBar": False})
points = (event or {}).get("selection", {}).get("points", []) if event else []
if points:
    index = points[0].get("customdata", points[0].get("point_index"))
    if isinstance(index, list):
        index = index[0]
    if index is not None and linked[int(index)]:
        st.switch_page(str(topic_for(pages[int(index)]).path))
    elif index is not None:
        st.info(f"{LANDMARKS[int(index)].title}: this topic has no page yet.")
