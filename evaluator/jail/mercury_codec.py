"""Mercury's own test code in the jail: its input converter and a type-keeping value encoding.

Imported Mercury tasks carry `convert_offline` (test case -> arguments) and `evaluate_offline`
(outputs -> verdict). The runner converts inputs with the first before any completion code runs;
outputs travel out in the encoding below, and `verify` runs the second in a run of its own where
no completion code exists.
"""

import math

from .leetcode import (
    ListNode,
    TreeNode,
    deep_copy_json,
    exception_line,
    is_node,
    linked_to_list,
    list_to_linked,
    list_to_tree,
    make_namespace,
    tree_to_list,
)


def converter(source, namespace):
    """Mercury's convert_offline, defined in namespace (as Mercury's harness does)."""
    exec(compile(source, "<convert_offline>", "exec"), namespace)
    return namespace["convert_offline"]


def mercury_inputs(convert, raw):
    """Positional arguments from a Mercury test input, without showing it the expected output."""
    try:
        inputs, _ = convert((deep_copy_json(raw), None))
    except Exception:  # noqa: BLE001 - some converters insist on an expected value
        inputs, _ = convert((deep_copy_json(raw), []))
    return list(inputs)


def encode_value(value, depth=0):
    """JSON that keeps ListNode/TreeNode/tuple/set types, for Mercury's evaluate_offline."""
    if depth > 200:
        raise ValueError("value is nested too deeply")
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, list):
        return [encode_value(v, depth + 1) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [encode_value(v, depth + 1) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"__set__": [encode_value(v, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {
            "__dict__": [
                [encode_value(k, depth + 1), encode_value(v, depth + 1)] for k, v in value.items()
            ]
        }
    if is_node(value, "next"):
        return {"__ListNode__": linked_to_list(value)}
    if is_node(value, "left"):
        return {"__TreeNode__": tree_to_list(value)}
    return {"__repr__": repr(value)[:1000]}


def decode_value(value, namespace):
    """The inverse of encode_value, with the namespace's own node classes."""
    if isinstance(value, list):
        return [decode_value(v, namespace) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tuple__" in value:
        return tuple(decode_value(v, namespace) for v in value["__tuple__"])
    if "__set__" in value:
        return {decode_value(v, namespace) for v in value["__set__"]}
    if "__dict__" in value:
        return {
            decode_value(k, namespace): decode_value(v, namespace) for k, v in value["__dict__"]
        }
    if "__ListNode__" in value:
        return list_to_linked(value["__ListNode__"], namespace.get("ListNode", ListNode))
    if "__TreeNode__" in value:
        return list_to_tree(value["__TreeNode__"], namespace.get("TreeNode", TreeNode))
    if "__float__" in value:
        return float(value["__float__"])
    return value.get("__repr__")


def verify(request):
    """Mercury's evaluate_offline on recorded outputs; returns a verdict (True or why) per case."""
    namespace = make_namespace()
    exec(compile(request["mercury_convert"], "<convert_offline>", "exec"), namespace)
    exec(compile(request["mercury_evaluate"], "<evaluate_offline>", "exec"), namespace)
    convert, evaluate = namespace["convert_offline"], namespace["evaluate_offline"]
    verdicts = []
    for case, recorded in zip(request["cases"], request["recorded"], strict=False):
        try:
            _, expected = convert((deep_copy_json(case["input"]), deep_copy_json(case["expected"])))
            inputs = decode_value(recorded["in"], namespace)
            outputs = decode_value(recorded["out"], namespace)
            verdicts.append(bool(evaluate(inputs, outputs, expected)))
        except Exception as exc:  # noqa: BLE001 - a malformed output fails the test
            verdicts.append(exception_line(exc))
    return verdicts
