#!/usr/bin/env python3
"""Compares two float32 (rows, cols) .npy logits files with the standard library only (numpy may be absent).

usage: compare-npy.py REFERENCE.npy CANDIDATE.npy [LABEL]
prints: LABEL  rows  max|d|  max|ref|  max|d|/max|ref|  rms(d)/rms(ref)  argmax agreement (rows)
exit 1 when shapes differ or a file is not a float32 C-order .npy.
"""
import ast
import struct
import sys
from array import array


def read_npy(path):
    with open(path, "rb") as f:
        if f.read(6) != b"\x93NUMPY":
            sys.exit(f"compare-npy: {path} is not a .npy file")
        major, _minor = f.read(2)
        size_format = "<H" if major == 1 else "<I"
        (header_len,) = struct.unpack(size_format, f.read(struct.calcsize(size_format)))
        header = ast.literal_eval(f.read(header_len).decode("latin1"))
        if header["descr"] != "<f4" or header["fortran_order"] or len(header["shape"]) != 2:
            sys.exit(f"compare-npy: {path} is not a 2-D little-endian float32 C-order array")
        rows, cols = header["shape"]
        data = array("f")
        data.frombytes(f.read(rows * cols * 4))
        if sys.byteorder != "little":
            data.byteswap()
        return rows, cols, data


def argmax(values, start, length):
    best = start
    for i in range(start, start + length):
        if values[i] > values[best]:
            best = i
    return best - start


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.strip().splitlines()[2])
    rows, cols, ref = read_npy(sys.argv[1])
    rows2, cols2, cand = read_npy(sys.argv[2])
    if (rows, cols) != (rows2, cols2):
        sys.exit(f"compare-npy: shapes differ: ({rows}, {cols}) vs ({rows2}, {cols2})")
    max_diff = max(abs(a - b) for a, b in zip(ref, cand))
    max_ref = max(abs(a) for a in ref)
    rms_rel = (sum((a - b) ** 2 for a, b in zip(ref, cand)) / sum(a * a for a in ref)) ** 0.5
    agree = sum(argmax(ref, r * cols, cols) == argmax(cand, r * cols, cols) for r in range(rows))
    label = sys.argv[3] if len(sys.argv) == 4 else sys.argv[2]
    print(f"{label:<28} {rows:>4} {max_diff:>10.3g} {max_ref:>9.3g} {max_diff / max_ref:>10.2e} {rms_rel:>10.2e} {agree:>4}/{rows}")


main()
