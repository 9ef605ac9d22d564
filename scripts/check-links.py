#!/usr/bin/env python3
"""Check the relative links of the project's Markdown: every link to a file names a file or
directory that exists, and every anchor (`#section`, in the same file or another Markdown file)
names a heading there, slugged as GitHub slugs headings. Links to web pages are not fetched.

    scripts/check-links.py            # README.md and docs/*.md
    scripts/check-links.py FILE...    # these files

Exit status: 0 every link resolves, 1 a link is broken (each is printed as FILE:LINE), 2 a file
could not be read. Python 3 standard library only.
"""

import re
import sys
import unicodedata
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
HTML_ANCHOR = re.compile(r"""<a\s+(?:name|id)=["']([^"']+)["']""", re.IGNORECASE)
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
# An inline link or image: [text](target "title"); the text may hold brackets one level deep.
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)]*)?\)")
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$")
EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")


def slug(heading_text):
    """GitHub's heading id: the rendered text, lower-cased, with everything but letters, digits,
    marks, `_`, `-` and spaces removed, and each space turned into `-`."""
    text = CODE_SPAN.sub(lambda m: m.group(2), heading_text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link's text only
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML tags
    kept = []
    for char in text.lower():
        category = unicodedata.category(char)
        if char in " -_" or category[0] in "LNM":
            kept.append(char)
    return "".join(kept).replace(" ", "-")


def outside_code(lines):
    """(line number, line) for each line outside fenced code blocks."""
    fence = None
    for number, line in enumerate(lines, start=1):
        marker = FENCE.match(line.lstrip())  # a fence inside a list item is indented
        if fence is None:
            if marker:
                fence = marker.group(1)
                continue
            yield number, line
        elif (
            marker
            and marker.group(1)[0] == fence[0]
            and len(marker.group(1)) >= len(fence)
            and line.strip().strip(fence[0]) == ""
        ):
            fence = None


def anchors(path, cache={}):
    """The anchors a Markdown file defines: its headings' slugs (a repeated slug gets -1, -2,
    ... as on GitHub) and explicit HTML anchors."""
    if path not in cache:
        found = set()
        seen = {}
        for _, line in outside_code(path.read_text(encoding="utf-8").splitlines()):
            heading = HEADING.match(line)
            if heading:
                base = slug(heading.group(2))
                count = seen.get(base, 0)
                seen[base] = count + 1
                found.add(base if count == 0 else f"{base}-{count}")
            found.update(HTML_ANCHOR.findall(line))
        cache[path] = found
    return cache[path]


def blocks(path):
    """The file's prose outside fenced code, as blocks of consecutive non-blank lines: a link's
    text may run over several lines. Each block is (number of its first line, its lines)."""
    block = []
    for number, line in outside_code(path.read_text(encoding="utf-8").splitlines()):
        if line.strip() and (not block or block[-1][0] == number - 1):
            block.append((number, line))
            continue
        if block:
            yield block[0][0], [text for _, text in block]
        block = [(number, line)] if line.strip() else []
    if block:
        yield block[0][0], [text for _, text in block]


def links(path):
    """(line number, target) for each link in a Markdown file, code left out."""
    for first, lines in blocks(path):
        for offset, line in enumerate(lines):
            definition = REFERENCE_DEFINITION.match(line)
            if definition:
                yield first + offset, definition.group(1)
        # Code spans become blanks of the same length, so offsets still map to lines.
        prose = CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), "\n".join(lines))
        for match in INLINE_LINK.finditer(prose):
            yield first + prose.count("\n", 0, match.start(1)), match.group(1)


def check(path):
    """The broken links of one file, as printable lines."""
    broken = []
    for number, target in links(path):
        if not target or EXTERNAL.match(target):
            continue
        file_part, _, anchor = target.partition("#")
        where = f"{display(path)}:{number}: {target}"
        destination = (path.parent / unquote(file_part)).resolve() if file_part else path
        if not destination.exists():
            broken.append(f"{where}: no such file {display(destination)}")
            continue
        if not anchor:
            continue
        if destination.suffix.lower() != ".md":
            if not re.fullmatch(r"L\d+(?:-L\d+)?", anchor):
                broken.append(f"{where}: {display(destination)} is not Markdown, it has no #{anchor}")
            continue
        if unquote(anchor) not in anchors(destination):
            broken.append(f"{where}: {display(destination)} has no heading #{anchor}")
    return broken


def display(path):
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(arguments):
    files = [Path(a) for a in arguments] or [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken = []
    try:
        for file in files:
            broken.extend(check(file.resolve()))
    except OSError as error:
        print(f"check-links: {error}", file=sys.stderr)
        return 2
    for line in broken:
        print(line)
    if broken:
        print(f"check-links: {len(broken)} broken link(s) in {len(files)} file(s)", file=sys.stderr)
        return 1
    print(f"check-links: every relative link and anchor resolves in {len(files)} file(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
