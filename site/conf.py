# Sphinx configuration of the course site (`make site`). The sources are staged by site/stage.py from the
# committed notebooks, README.md and CONTRIBUTING.md; nothing is executed and nothing is fetched from the
# network when a page is viewed (MathJax and the search index are files of the build).

project = "PyTorch 2 from Zero"
html_title = "PyTorch 2 from Zero · 从零开始 PyTorch 2"
author = "the PyTorch 2 from Zero authors"
copyright = "the PyTorch 2 from Zero authors, MIT License"
language = "en"

extensions = [
    "myst_nb",  # reads .ipynb with their outputs, and Markdown (MyST)
    "sphinx_copybutton",  # a copy button on every code block
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax's files copied into the build instead of a CDN (its import name has dashes)
]
master_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

nb_execution_mode = "off"  # the committed outputs are the content: never re-executed here
nb_output_stderr = "show"
nb_render_markdown_format = "myst"  # Markdown outputs (ll.show_script's) are parsed like cells: their links resolve
myst_enable_extensions = ["dollarmath", "amsmath"]  # $...$ and $$...$$ as in Jupyter
myst_heading_anchors = 3  # headings get anchors that links can name

html_theme = "sphinx_book_theme"
html_theme_options = {
    "show_toc_level": 2,
    "home_page_in_toc": True,
    "use_download_button": True,  # each page offers its source (.ipynb) for download
}
html_context = {"default_mode": "light"}  # the theme's light/dark switch starts from light
html_favicon = "favicon.svg"
html_last_updated_fmt = None
html_show_sphinx = False
# Search runs in the browser from searchindex.js. Its result snippets would fetch each hit's page, which browsers
# refuse for file:// pages: without them, search works the same from a server and from the local files.
html_show_search_summary = False
html_copy_source = True
