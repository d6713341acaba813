"""One state-machine and approval mechanism for every workflow entity (DESIGN.md "Architecture").

`machine.py` declares a machine (states, labels, allowed moves with their roles, approval kind and
article); `service.move` is the only way a workflow entity changes state: it locks the subject,
checks the move, and writes one `WorkflowStep` and its audit event in the caller's transaction;
`approvals.py` types an approval as (department, level, person, document, article).
"""
