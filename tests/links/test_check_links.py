#!/usr/bin/env python3
"""The link check must fail on a broken link or anchor, and pass on links that resolve, so that
CI's documentation check cannot pass by checking nothing; and the README's commands are the
ones that exist and that CI runs. Run by .ci/run:

    python3 tests/links/test_check_links.py
"""

import os
import re
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


class ReadmeCommands(unittest.TestCase):
    """A newcomer runs what the README shows; CI must run the same test command."""

    def shell_blocks(self):
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        return re.findall(r"^```sh\n(.*?)^```", readme, flags=re.S | re.M)

    def test_every_script_the_readme_runs_exists_and_is_executable(self):
        scripts = {s for block in self.shell_blocks() for s in re.findall(r"scripts/[\w.-]+", block)}
        self.assertIn("scripts/test.sh", scripts)
        self.assertIn("scripts/demo.sh", scripts)
        for script in scripts:
            self.assertTrue(os.access(ROOT / script, os.X_OK), f"{script} is not an executable file")

    def test_ci_runs_the_readmes_test_command(self):
        first = self.shell_blocks()[0]
        self.assertRegex(first, r"(?m)^scripts/test\.sh\b", "the README's first commands name the test suite")
        ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
        runs = re.search(r"(?m)^bash scripts/test\.sh\b", ci)
        self.assertIsNotNone(runs, ".ci/run no longer runs scripts/test.sh, the README's test command")


if __name__ == "__main__":
    unittest.main()
