#!/usr/bin/env python3
"""tests/doc/links.py - the relative links of README.md and docs/*.md resolve.

    python3 tests/doc/links.py [REPO_ROOT]

Every Markdown link or image ([text](target), ![alt](target), and
reference definitions `[id]: target`) outside code blocks and inline code
whose target is not a URL (http:, https:, mailto:, ...) must name an
existing file or directory, relative to the document; a #fragment, alone
or after a .md target, must be the anchor of a heading of that document
(GitHub's anchors: lower case, punctuation dropped, spaces as dashes, -1,
-2... for repeats), or an explicit <a name|id="..."> in it.

Exits 1 naming each broken link (file:line); prints one summary line when clean.
"""
import glob
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$")
INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)]*)?\)")
REFDEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$")
HTML_ANCHOR = re.compile(r"<a\s[^>]*(?:name|id)=\"([^\"]+)\"", re.I)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def slug(text):
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)   # links keep their text
    text = re.sub(r"<[^>]+>", "", text)                       # inline HTML
    text = text.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def scan(path):
    """(links as (line, target), anchors) of one Markdown file."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    links, anchors, counts = [], set(), {}
    fence = None
    for n, line in enumerate(lines, 1):
        m = FENCE.match(line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line.strip()[len(m.group(1)):].strip():
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        for a in HTML_ANCHOR.findall(line):
            anchors.add(a)
        h = HEADING.match(line)
        if h:
            s = slug(h.group(1))
            k = counts.get(s, 0)
            counts[s] = k + 1
            anchors.add(s if k == 0 else "%s-%d" % (s, k))
        text = re.sub(r"``.*?``|`[^`]*`", "", line)   # inline code is not a link
        for t in INLINE.findall(text):
            links.append((n, t))
        r = REFDEF.match(text)
        if r:
            links.append((n, r.group(1)))
    return links, anchors


def main():
    docs = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
    docs = [d for d in docs if os.path.isfile(d)]
    cache = {}

    def anchors_of(path):
        if path not in cache:
            cache[path] = scan(path)[1]
        return cache[path]

    errors, checked = [], 0
    for doc in docs:
        links, _ = scan(doc)
        rel = os.path.relpath(doc, ROOT)
        for line, target in links:
            if not target or SCHEME.match(target) or target.startswith("//"):
                continue
            checked += 1
            path, _, frag = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(doc), path)) if path else doc
            if not os.path.exists(dest):
                errors.append("%s:%d: link to %s: no such file or directory" % (rel, line, target))
                continue
            if frag and dest.endswith(".md") and os.path.isfile(dest):
                if frag.lower() not in {a.lower() for a in anchors_of(dest)}:
                    errors.append("%s:%d: link to %s: %s has no heading with anchor #%s"
                                  % (rel, line, target, os.path.relpath(dest, ROOT), frag))
    for e in errors:
        print(e)
    if errors:
        print("links: %d broken of %d relative links in %d documents" % (len(errors), checked, len(docs)))
        return 1
    print("links: %d relative links in %d documents resolve" % (checked, len(docs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
