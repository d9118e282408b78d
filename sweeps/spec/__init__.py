"""The spec: its model (``model``), the rules of a field (``rules``) and the checks across fields (``checks``)."""
