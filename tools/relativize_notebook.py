#!/usr/bin/env python3
"""Rewrites absolute paths inside the checkout, in an executed notebook's outputs, relative to it
(as reports are written: common.Checkout.relativize), so a committed notebook reads the same from
any clone. Usage: /usr/bin/python3 tools/relativize_notebook.py CHECKOUT NOTEBOOK.ipynb ...
"""
import json
import sys


def relativize(value, prefix):
    if isinstance(value, str):
        return value.replace(prefix + "/", "").replace(prefix, ".")
    if isinstance(value, list):
        return [relativize(v, prefix) for v in value]
    if isinstance(value, dict):
        return {k: relativize(v, prefix) for k, v in value.items()}
    return value


def main(home, paths):
    prefix = home.rstrip("/")
    for path in paths:
        with open(path, encoding="utf-8") as f:
            nb = json.load(f)
        for cell in nb["cells"]:
            if "outputs" in cell:
                cell["outputs"] = relativize(cell["outputs"], prefix)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(nb, f, indent=1, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
