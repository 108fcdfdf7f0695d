"""GenLab: the entry. ``streamlit run streamlit_app.py``.

The navigation lists the home page and every lecture topic whose page exists (dashboard/topics.py).
"""

import streamlit as st

from core.service import service
from dashboard import layout
from dashboard.topics import ROOT, TOPICS

service()  # start the training workers with the server, not with the first student's Play

st.set_page_config(page_title="GenLab", page_icon=":material/science:", layout="wide")

home = st.Page(str(ROOT / "pages" / "home.py"), title="Lecture map", icon=":material/map:", default=True)
sections: dict[str, list] = {"GenLab": [home]}
for topic in TOPICS:
    if topic.built:
        sections.setdefault(topic.section, []).append(
            st.Page(str(topic.path), title=topic.title, icon=topic.icon, url_path=topic.url_path)
        )
with st.sidebar:
    presenting = layout.presenter_switch()
# every topic listed, none behind "View more"; in presenter mode in the top bar, leaving the sidebar to settings
st.navigation(sections, expanded=True, position="top" if presenting else "sidebar").run()
