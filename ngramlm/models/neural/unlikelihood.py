"""Token-level unlikelihood training (Welleck, Kulikov, Roller, Dinan, Cho & Weston 2019, "Neural Text Generation
with Unlikelihood Training", section 4): beside the likelihood of each target x_t, the model is taught to give
little probability to the tokens already seen before it, the negative candidates

    C^t = {x_1, .., x_{t-1}} \\ {x_t},        L_UL^t = - sum_{c in C^t} log(1 - p(c | x_<t)),

and the loss is L_MLE + alpha * L_UL summed over the targets (as the authors' fairseq code does, the previous
tokens are those of the same training sequence, here the same row of the chunk; 1 - p is clamped at 1e-5).

In:  logits (batch, time, vocab), targets (batch, time) and a 0/1 mask (batch, time) of the targets that count.
Out: the unlikelihood term summed over the counted targets (a scalar tensor).
"""
from __future__ import annotations

import torch

# The authors' floor on 1 - p(c), so that a candidate the model is sure of gives a finite loss.
MIN_COMPLEMENT = 1e-5


def unlikelihood_loss(logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """sum over counted positions t of - sum_{c in C^t} log(1 - p(c | x_<t)) (see the module docstring)."""
    batch, time, vocab = logits.shape
    probs = torch.softmax(logits.float(), dim=-1)
    earlier = targets.unsqueeze(1).expand(batch, time, time)          # [b, t, s] = x_s, the target at s
    before = torch.ones(time, time, dtype=torch.bool, device=logits.device).tril(-1)  # s < t
    candidate = before & (mask.unsqueeze(1) > 0) & (earlier != targets.unsqueeze(2))
    # A token seen twice is one candidate: add the 0/1 flags and cap them at 1.
    negatives = torch.zeros_like(probs).scatter_add_(2, earlier, candidate.to(probs.dtype)).clamp_(max=1.0)
    penalty = -torch.log((1.0 - probs).clamp(min=MIN_COMPLEMENT)) * negatives
    return (penalty.sum(-1) * mask).sum()
