"""RLHF and safety context distillation logic of Llama 2 (sections 3.2.3 and 4.2), no Dagster.

- :mod:`.reward_rules`: the piecewise safety/helpfulness reward, LOGIT, WHITEN, the KL penalty.
- :mod:`.selection`: best-of-K (rejection sampling), the max-minus-median gain curve (Figure 7),
  the targeted context-distillation filter.
- :mod:`.preprompts`: the generic safety preprompts and the per-risk-category preprompts with
  answer templates.
- :mod:`.generation`: sampling backends (transformers, vLLM) and reward-model scoring.
- :mod:`.ppo`: our own PPO loop (policy, value head, frozen reference, GAE, clipping).
- :mod:`.tiny`: tiny character-level models for tests, benchmarks and smoke runs.

Submodules are imported lazily by their users; importing this package pulls in nothing heavy.
"""
