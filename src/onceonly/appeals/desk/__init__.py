"""The hotline desk in the console: its pages (`desk_pages`), what the citizen's and the
desk's pages share (`page_kit`), and the figures (`figures`)."""
