class Solution:
    def reverseList(self, head: Optional[ListNode]) -> Optional[ListNode]:
        values = []
        while head:
            values.insert(0, head.val)
            head = head.next
        out = None
        for v in values:
            node = out
            if out is None:
                out = ListNode(v)
                continue
            while node.next:
                node = node.next
            node.next = ListNode(v)
        return out
