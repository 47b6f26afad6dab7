"""The Streamlit explorer, thin: `streamlit run app.py` (or `crosstrust explore`)."""

from crosstrust.explorer.router import main

main()
