"""The check-item list (随机抽查事项清单): versioned items, approved and published as releases."""
