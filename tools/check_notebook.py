#!/usr/bin/env python3
"""Checks an executed notebook: no error outputs, no stderr stack traces, at least one image.

Usage: /usr/bin/python3 tools/check_notebook.py EXECUTED.ipynb
"""
import json
import sys


def main(path):
    nb = json.load(open(path))
    problems, images = [], 0
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        if cell.get("execution_count") is None and "".join(cell["source"]).strip():
            problems.append(f"cell {i} was not executed")
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"cell {i}: error {out.get('ename')}: {out.get('evalue')}")
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = "".join(out.get("text", ""))
                if "Exception" in text or "error:" in text.lower():
                    problems.append(f"cell {i}: stderr: {text[:300]}")
            if "image/png" in out.get("data", {}):
                images += 1
    if images == 0:
        problems.append("no image output")
    for p in problems:
        print(f"{path}: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
