"""LeetCode's environment inside the jail: the prelude names, ListNode/TreeNode, conversions.

Used by the jail's runner (and outside the jail by the task builder). Standard library only: the
jail's interpreter runs it as bytecode with no site-packages.
"""

import math
import os
import sys

# The names LeetCode's Python environment provides without an import.
PRELUDE = """\
from typing import *
import collections, heapq, bisect, math, itertools, functools, string, re, operator, random, copy
import sys
from collections import *
from heapq import *
from bisect import *
from math import *
from itertools import *
from functools import *
from string import ascii_lowercase, ascii_uppercase, ascii_letters, digits
from builtins import pow  # math's star import must not shadow pow(base, exp, mod)
import bisect  # the star import above bound `bisect` to the function; code calls bisect.insort
inf = float("inf")
try:
    import sortedcontainers
    from sortedcontainers import SortedList, SortedDict, SortedSet
except ImportError:
    pass
"""
# Read-only mount point of the third-party modules LeetCode offers (sortedcontainers).
EXTRA_LIB = "/opt/mercury-lib"


class ListNode:
    """Singly linked list node, as LeetCode defines it."""

    def __init__(self, val=0, next=None):
        self.val = val
        self.next = next

    def __repr__(self):
        return f"ListNode({self.val})"


class TreeNode:
    """Binary tree node, as LeetCode defines it."""

    def __init__(self, val=0, left=None, right=None):
        self.val = val
        self.left = left
        self.right = right

    def __repr__(self):
        return f"TreeNode({self.val})"


def make_namespace():
    """A fresh global namespace with LeetCode's environment."""
    if os.path.isdir(EXTRA_LIB) and EXTRA_LIB not in sys.path:
        sys.path.append(EXTRA_LIB)
    if hasattr(sys, "set_int_max_str_digits"):
        # CPython 3.11 refuses int() of more than 4,300 digits; LeetCode's problems (add-strings:
        # 10^4 digits) and Mercury's harness do not. The CPU limit bounds what it costs.
        sys.set_int_max_str_digits(0)
    # Not "__main__": a completion's `if __name__ == "__main__":` self-test must not run (as in
    # Mercury's harness and on LeetCode), least of all inside the measured run.
    namespace = {"__name__": "solution", "__builtins__": __builtins__}
    exec(compile(PRELUDE, "<prelude>", "exec"), namespace)
    namespace["ListNode"] = ListNode
    namespace["TreeNode"] = TreeNode
    return namespace


def list_to_linked(values, node_type=ListNode):
    head = None
    for value in reversed(values):
        head = node_type(value, head)
    return head


def linked_to_list(node, limit=10**7):
    out = []
    while node is not None:
        out.append(node.val)
        node = node.next
        if len(out) > limit:
            raise ValueError("linked list is too long or has a cycle")
    return out


def list_to_tree(values, node_type=TreeNode):
    if not values or values[0] is None:
        return None
    root = node_type(values[0])
    queue = [root]
    head = 0
    i = 1
    while head < len(queue) and i < len(values):
        node = queue[head]
        head += 1
        if i < len(values) and values[i] is not None:
            node.left = node_type(values[i])
            queue.append(node.left)
        i += 1
        if i < len(values) and values[i] is not None:
            node.right = node_type(values[i])
            queue.append(node.right)
        i += 1
    return root


def tree_to_list(root, limit=10**7):
    if root is None:
        return []
    out = []
    queue = [root]
    head = 0
    while head < len(queue):
        node = queue[head]
        head += 1
        if node is None:
            out.append(None)
            continue
        out.append(node.val)
        queue.append(node.left)
        queue.append(node.right)
        if len(queue) > limit:
            raise ValueError("tree is too large or has a cycle")
    while out and out[-1] is None:
        out.pop()
    return out


def kind(type_name):
    """Which boundary conversion a type string needs."""
    t = (type_name or "").replace(" ", "")
    if t.startswith("Optional[") and t.endswith("]"):
        t = t[len("Optional[") : -1]
    if t in ("ListNode",):
        return "list"
    if t in ("TreeNode",):
        return "tree"
    if t in ("List[ListNode]", "List[Optional[ListNode]]", "list[ListNode]"):
        return "lists"
    if t in ("List[TreeNode]", "List[Optional[TreeNode]]", "list[TreeNode]"):
        return "trees"
    return "plain"


def convert_args(values, params, namespace, *, copy=True):
    """Turn JSON arguments into the objects the method expects (fresh objects every call).

    copy=False hands plain values over as they are: for a caller whose values were decoded for
    this one call (a run's own job) and are used once.
    """
    list_node = namespace.get("ListNode", ListNode)
    tree_node = namespace.get("TreeNode", TreeNode)
    out = []
    for index, value in enumerate(values):
        what = kind(params[index] if index < len(params) else "")
        if what == "list":
            out.append(list_to_linked(value, list_node))
        elif what == "tree":
            out.append(list_to_tree(value, tree_node))
        elif what == "lists":
            out.append([list_to_linked(v, list_node) for v in value])
        elif what == "trees":
            out.append([list_to_tree(v, tree_node) for v in value])
        else:
            out.append(deep_copy_json(value) if copy else value)
    return out


def deep_copy_json(value):
    if isinstance(value, list):
        return [deep_copy_json(v) for v in value]
    if isinstance(value, dict):
        return {k: deep_copy_json(v) for k, v in value.items()}
    return value


def to_json_value(value, returns):
    """Turn a method's return value into plain JSON data."""
    what = kind(returns)
    if what == "list" or (what == "plain" and is_node(value, "next")):
        return linked_to_list(value) if value is not None else []
    if what == "tree" or (what == "plain" and is_node(value, "left")):
        return tree_to_list(value)
    if what in ("lists", "trees") and isinstance(value, list):
        conv = linked_to_list if what == "lists" else tree_to_list
        return [conv(v) if v is not None else [] for v in value]
    return _plain(value, 0)


def json_default(value):
    """For json.dumps: what `to_json_value` makes of a value JSON has no form for.

    Plain results (numbers, strings, lists, dicts) are encoded by json's C code as they are; only
    nodes, sets and other objects come here. Cheap, as it must be: a run's outputs are encoded
    inside its measured time.
    """
    if isinstance(value, (set, frozenset)):
        items = list(value)
        try:
            return sorted(items)
        except TypeError:
            return items
    if is_node(value, "next"):
        return linked_to_list(value)
    if is_node(value, "left"):
        return tree_to_list(value)
    return _plain(value, 0)


def is_node(value, attr):
    return value is not None and hasattr(value, "val") and hasattr(value, attr)


def _plain(value, depth):
    if depth > 100:
        raise ValueError("result is nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return repr(value)
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [_plain(v, depth + 1) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if is_node(value, "next"):
        return linked_to_list(value)
    if is_node(value, "left"):
        return tree_to_list(value)
    # numpy scalars and other number-likes that LeetCode would print as numbers
    for cast in (int, float):
        try:
            if cast(value) == value:
                return cast(value)
        except Exception:  # noqa: BLE001 - unknown user types
            pass
    return repr(value)


def load_method(source, entry_point, namespace=None):
    """Execute a program and return (namespace, Solution class); raise ValueError if invalid."""
    if namespace is None:
        namespace = make_namespace()
    code = compile(source, "<solution>", "exec")
    exec(code, namespace)
    solution = namespace.get("Solution")
    if solution is None or not isinstance(solution, type):
        raise LookupError("the code defines no class Solution")
    if not callable(getattr(solution, entry_point, None)):
        raise LookupError(f"class Solution has no method {entry_point}")
    return namespace, solution


def call_once(solution, entry_point, args, inplace, prefix=False):
    """Call the method on a fresh Solution; the output is its result or a mutated argument.

    With prefix (LeetCode's "return k, the first k elements of the array count"), the output
    is [k, the first k elements of argument inplace].
    """
    result = getattr(solution(), entry_point)(*args)
    if inplace is None:
        return result
    if prefix:
        if not isinstance(result, int) or isinstance(result, bool):
            return [result, None]
        return [result, list(args[inplace][: max(result, 0)])]
    return args[inplace]


def exception_line(exc):
    """A one-line description of an exception, capped."""
    text = f"{type(exc).__name__}: {exc}"
    return text[:500]
