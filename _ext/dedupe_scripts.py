"""Sphinx: drop repeated <script> entries from each page.

With Jupyter Book 1.0.4 (Sphinx 7.4, sphinx-thebe 0.3.1, sphinx-togglebutton), the handlers that
add sphinx-thebe's inline configuration (``const THEBE_JS_URL = ...``) and togglebutton's
selector run twice, so every page declares the same ``const`` twice and the browser reports
"Identifier 'THEBE_JS_URL' has already been declared" on every page (tests/test_browser.py
found it). Identical scripts are redundant by definition, so keep the first of each.
"""


def _key(script):
    # Sphinx 7.4's _JavaScript: a file name (None for an inline script) and its attributes
    # (the inline script's text is the "body" attribute); older Sphinx: a str with .attributes.
    filename = getattr(script, "filename", str(script)) or ""  # inline: None or "", the same
    attributes = getattr(script, "attributes", {}) or {}
    return filename, tuple(sorted((k, str(v)) for k, v in attributes.items()))


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)  # after the themes add theirs
    return {"parallel_read_safe": True, "parallel_write_safe": True}
