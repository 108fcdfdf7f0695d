"""What the pages share: URL-bound controls, job controls and the live fragment, figures, theme."""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

# A fresh server that is first asked for a direct link (/gan) has not yet run the entry, so
# Streamlit takes the pages/ folder for old-style pages: it runs the page alone, without
# st.navigation's sections and titles. Every page imports this package: switch Streamlit to the
# entry's navigation once and rerun, which runs streamlit_app.py and then the requested page.
if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()
