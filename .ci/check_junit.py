"""Fail a CI run that executed no test or skipped a browser test."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET  # our own pytest output, not untrusted input


def main(path: str) -> int:
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    cases = [case for suite in suites for case in suite.iter("testcase")]
    skipped_browser = [
        f"{case.get('classname')}::{case.get('name')}"
        for case in cases
        if case.find("skipped") is not None
        and "browser" in (case.get("classname") or "")
    ]
    failed = [
        case
        for case in cases
        if case.find("failure") is not None or case.find("error") is not None
    ]
    ran = [case for case in cases if case.find("skipped") is None]
    print(
        f"{path}: {len(cases)} collected, {len(ran)} ran, {len(failed)} failed, "
        f"{len(cases) - len(ran)} skipped ({len(skipped_browser)} browser)."
    )
    if not ran:
        print("No test ran: a CI run must execute tests.")
        return 1
    if skipped_browser:
        print("Browser tests were skipped:\n  " + "\n  ".join(skipped_browser))
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
