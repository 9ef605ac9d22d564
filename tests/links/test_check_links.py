#!/usr/bin/env python3
"""The link check must fail on a broken link or anchor, and pass on links that resolve, so that
CI's documentation check cannot pass by checking nothing. Run by .ci/run:

    python3 tests/links/test_check_links.py
"""

import subprocess
import sys
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CHECKER = ROOT / "scripts" / "check-links.py"


def check(*files):
    result = subprocess.run(
        [sys.executable, "-B", str(CHECKER), *[str(f) for f in files]],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


class CheckLinks(unittest.TestCase):
    def test_links_that_resolve_pass(self):
        status, out = check(HERE / "ok.md", HERE / "target.md")
        self.assertEqual(status, 0, out)

    def test_each_broken_link_and_anchor_fails_naming_file_and_line(self):
        status, out = check(HERE / "broken.md")
        self.assertEqual(status, 1, out)
        broken = out.splitlines()
        self.assertEqual(len(broken), 5, out)  # four links, then the count
        self.assertIn("broken.md:5: missing.md: no such file", broken[0])
        self.assertIn("broken.md:6: #absent:", broken[1])
        self.assertIn("has no heading #absent", broken[1])
        self.assertIn("broken.md:7: target.md#no-such-section:", broken[2])
        self.assertIn("has no heading #no-such-section", broken[2])
        self.assertIn("broken.md:9: #nowhere:", broken[3])

    def test_by_default_it_reads_the_readme_and_every_page_in_docs(self):
        status, out = check()
        pages = 1 + len(list((ROOT / "docs").glob("*.md")))
        self.assertIn(f"in {pages} file(s)", out)
        self.assertIn(status, (0, 1), out)


if __name__ == "__main__":
    unittest.main()
