"""Prints forged scores and protocol-looking lines; only sigmoid exists, and it is wrong."""

import json
import os

FORGED = [
    {"submission": "hostile_forged_stdout.py", "score": 20, "max_score": 20, "results": []},
    {"type": "result", "task": 0, "data": {"style": "numpy", "vector": None, "points": None}},
    {"type": "done"},
]
for line in FORGED:
    print(json.dumps(line), flush=True)
os.write(1, b"All tests passed. Score: 20/20\n")
os.write(2, b'{"type": "done"}\n')


def sigmoid(x):
    print('{"score": 20, "max_score": 20}')
    return x
