"""Our PPO: the pure pieces against hand computations, and a tiny end-to-end run that must
raise a checkable reward while the KL to the reference stays bounded."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoModelForCausalLM

from safety_assets.ml.chat_format import format_prompt
from safety_assets.rlhf.generation import probs, score_responses
from safety_assets.rlhf.ppo import (
    VALUE_HEAD_DIR,
    PPOConfig,
    ValueHead,
    clipped_policy_loss,
    clipped_value_loss,
    compute_gae,
    masked_mean,
    response_forward,
    train_ppo,
)
from safety_assets.rlhf.reward_rules import make_combined_reward_fn
from safety_assets.rlhf.tiny import tiny_llama, tiny_reward_model

# --------------------------------------------------------------------------- pure functions


def test_config_defaults_are_the_papers():
    cfg = PPOConfig()
    assert cfg.learning_rate == 1e-6
    assert cfg.adam_betas == (0.9, 0.95) and cfg.adam_eps == 1e-5
    assert cfg.weight_decay == 0.1 and cfg.max_grad_norm == 1.0
    assert cfg.cliprange == 0.2 and cfg.kl_beta == 0.01
    assert cfg.batch_size == 512 and cfg.mini_batch_size == 64 and cfg.ppo_epochs == 1
    assert cfg.gamma == 1.0 and cfg.lam == 0.95
    assert cfg.whiten_rewards
    assert 200 <= cfg.iterations <= 400


def test_config_rejects_a_batch_that_does_not_split_into_mini_batches():
    with pytest.raises(ValueError):
        PPOConfig(batch_size=100, mini_batch_size=64)
    with pytest.raises(ValueError):
        PPOConfig(batch_size=64, mini_batch_size=32, micro_batch_size=5)


def test_gae_matches_a_hand_computation():
    rewards = torch.tensor([[0.0, 0.0, 1.0]])
    values = torch.tensor([[0.5, 0.2, 0.1]])
    adv, ret = compute_gae(rewards, values, gamma=1.0, lam=0.95)
    # delta2 = 1 - 0.1 = 0.9; delta1 = 0 + 0.1 - 0.2 = -0.1; delta0 = 0 + 0.2 - 0.5 = -0.3
    a2 = 0.9
    a1 = -0.1 + 0.95 * a2
    a0 = -0.3 + 0.95 * a1
    assert adv[0].tolist() == pytest.approx([a0, a1, a2])
    assert ret[0].tolist() == pytest.approx([a0 + 0.5, a1 + 0.2, a2 + 0.1])


def test_gae_with_discount_matches_a_hand_computation():
    rewards = torch.tensor([[1.0, 2.0]])
    values = torch.tensor([[0.5, 1.0]])
    adv, _ = compute_gae(rewards, values, gamma=0.9, lam=0.5)
    a1 = 2.0 - 1.0
    a0 = 1.0 + 0.9 * 1.0 - 0.5 + 0.9 * 0.5 * a1
    assert adv[0].tolist() == pytest.approx([a0, a1])


def test_gae_ignores_padding_after_the_last_token():
    rewards = torch.tensor([[0.1, -0.2, 1.0, 0.0, 0.0]])
    values = torch.tensor([[0.3, 0.4, 0.2, 9.0, 9.0]])  # garbage values on padding
    mask = torch.tensor([[1, 1, 1, 0, 0]])
    adv, ret = compute_gae(rewards, values, mask)
    ref_adv, ref_ret = compute_gae(rewards[:, :3], values[:, :3])
    assert torch.allclose(adv[:, :3], ref_adv) and torch.allclose(ret[:, :3], ref_ret)
    assert adv[0, 3:].tolist() == [0.0, 0.0] and ret[0, 3:].tolist() == [0.0, 0.0]


def test_policy_loss_is_minus_advantage_at_ratio_one_and_clips_large_ratios():
    mask = torch.ones(1, 2)
    lp = torch.tensor([[-1.0, -1.0]], requires_grad=True)
    adv = torch.tensor([[1.0, -2.0]])
    loss, clipfrac = clipped_policy_loss(lp, lp.detach(), adv, mask)
    assert loss.item() == pytest.approx(-(1.0 - 2.0) / 2)
    assert clipfrac.item() == 0.0
    # ratio e^1 > 1.2 with a positive advantage: clipped, no gradient pushes it further
    lp2 = torch.tensor([[0.0]], requires_grad=True)
    loss2, clipfrac2 = clipped_policy_loss(lp2, torch.tensor([[-1.0]]), torch.tensor([[1.0]]),
                                           torch.ones(1, 1))
    loss2.backward()
    assert loss2.item() == pytest.approx(-1.2)
    assert clipfrac2.item() == 1.0
    assert lp2.grad.abs().item() == 0.0


def test_value_loss_takes_the_worse_of_clipped_and_unclipped():
    mask = torch.ones(1, 1)
    loss, frac = clipped_value_loss(torch.tensor([[1.0]]), torch.tensor([[0.0]]),
                                    torch.tensor([[1.0]]), mask, cliprange_value=0.2)
    assert loss.item() == pytest.approx(0.5 * 0.8**2)  # clipped prediction 0.2 is 0.8 away
    assert frac.item() == 1.0


def test_masked_mean_counts_only_real_tokens():
    x = torch.tensor([[1.0, 3.0, 100.0]])
    assert masked_mean(x, torch.tensor([[1, 1, 0]])).item() == pytest.approx(2.0)


def test_value_head_round_trips_through_disk(tmp_path):
    head = ValueHead(8, init_std=0.1)
    head.save_pretrained(tmp_path / "vh")
    loaded = ValueHead.from_pretrained(tmp_path / "vh")
    h = torch.randn(2, 3, 8)
    assert torch.equal(head(h), loaded(h))
    assert head(h).shape == (2, 3)


def test_response_logprobs_and_values_line_up_with_the_response_tokens(policy, tokenizer):
    prompt = tokenizer(format_prompt("hi"), add_special_tokens=False)["input_ids"]
    response = tokenizer("ok then", add_special_tokens=False)["input_ids"]
    ids = torch.tensor([[tokenizer.pad_token_id] * 3 + prompt + response])
    mask = torch.tensor([[0] * 3 + [1] * (len(prompt) + len(response))])
    head = ValueHead(policy.config.hidden_size, init_std=0.1)
    out = response_forward(policy, ids, mask, 3 + len(prompt), value_head=head,
                           with_entropy=True)
    with torch.no_grad():
        plain = policy(torch.tensor([prompt + response]), output_hidden_states=True)
    logp = torch.log_softmax(plain.logits[0, len(prompt) - 1:-1], -1)
    expected = logp.gather(-1, torch.tensor(response)[:, None]).squeeze(-1)
    assert out["logprobs"].shape == (1, len(response))
    assert torch.allclose(out["logprobs"][0], expected, atol=1e-5)
    expected_values = head(plain.hidden_states[-1][0, len(prompt) - 1:-1])
    assert torch.allclose(out["values"][0], expected_values, atol=1e-5)
    assert (out["entropy"] > 0).all()


# --------------------------------------------------------------------------- end to end

TARGET = "a"
MAX_NEW = 8
USERS = ["hello", "tell me a story", "what is up?", "how are you", "name a fruit",
         "count to three", "say something", "why?"]


def target_fraction(prompts: list[str], responses: list[str]) -> torch.Tensor:
    """Checkable reward: how many of the MAX_NEW answer characters are the target one."""
    return torch.tensor([r.count(TARGET) / MAX_NEW for r in responses])


def tiny_config(beta: float, iterations: int) -> PPOConfig:
    return PPOConfig(
        learning_rate=1e-3, value_learning_rate=1e-2, weight_decay=0.0, kl_beta=beta,
        batch_size=32, mini_batch_size=8, iterations=iterations, max_new_tokens=MAX_NEW,
        generation_batch_size=32, forward_batch_size=32, seed=0,
    )


@pytest.fixture(scope="module")
def ppo_runs(tokenizer):
    prompts = [format_prompt(u) for u in USERS]
    runs = {}
    for beta in (0.3, 0.0):
        policy = tiny_llama(tokenizer, seed=0)
        initial = {k: v.clone() for k, v in policy.state_dict().items()}
        result = train_ppo(policy, tokenizer, prompts, target_fraction, tiny_config(beta, 30))
        runs[beta] = (result, initial)
    return runs


def _mean(stats, key, rows):
    return sum(s[key] for s in stats[rows]) / len(stats[rows])


def test_ppo_raises_the_reward_while_kl_stays_bounded(ppo_runs):
    result, _ = ppo_runs[0.3]
    stats = result.stats
    assert len(stats) == 30
    before = _mean(stats, "raw_reward", slice(0, 5))
    after = _mean(stats, "raw_reward", slice(-5, None))
    # a random 104-character model emits the target about 1% of the time
    assert before < 0.05
    assert after > 0.08 and after > 3 * before
    assert stats[0]["kl"] == pytest.approx(0.0, abs=1e-6)  # policy == reference at the start
    kls = [s["kl"] for s in stats]
    assert max(kls) < 8.0  # nats per 8-token answer; a collapsed policy would be ~35
    assert all(torch.isfinite(torch.tensor(list(s.values()))).all() for s in stats)


def test_the_kl_penalty_is_what_keeps_the_policy_near_the_reference(ppo_runs):
    penalised = _mean(ppo_runs[0.3][0].stats, "kl", slice(-10, None))
    free = _mean(ppo_runs[0.0][0].stats, "kl", slice(-10, None))
    free_reward = _mean(ppo_runs[0.0][0].stats, "raw_reward", slice(-5, None))
    assert free > 3 * penalised
    assert free_reward > 0.5  # without the penalty the policy goes all in on the target


def test_ppo_reports_every_stat_and_whitens_the_score(ppo_runs):
    stats = ppo_runs[0.3][0].stats
    keys = {"raw_reward", "score", "whitened_reward", "total_reward", "kl", "entropy",
            "policy_loss", "value_loss", "clip_fraction", "value_clip_fraction", "approx_kl",
            "response_length", "seconds"}
    assert keys <= set(stats[0])
    assert all(abs(s["whitened_reward"]) < 1e-5 for s in stats)
    assert stats[-1]["entropy"] < stats[0]["entropy"]


def test_ppo_trains_the_policy_in_place_and_saves_it_with_its_value_head(ppo_runs, tmp_path,
                                                                         tokenizer):
    result, initial = ppo_runs[0.3]
    changed = [k for k, v in result.policy.state_dict().items() if not torch.equal(v, initial[k])]
    assert changed
    out = result.save(tmp_path / "ppo", tokenizer)
    assert (out / VALUE_HEAD_DIR / "model.safetensors").exists()
    assert (out / "ppo_stats.json").exists() and (out / "ppo_config.json").exists()
    reloaded = AutoModelForCausalLM.from_pretrained(out)
    for key, value in result.policy.state_dict().items():
        assert torch.equal(reloaded.state_dict()[key], value)
    head = ValueHead.from_pretrained(out / VALUE_HEAD_DIR)
    assert torch.equal(head.summary.weight, result.value_head.summary.weight.cpu())


def test_ppo_with_the_combined_reward_of_two_reward_models_runs(tokenizer):
    prompts = [format_prompt(u) for u in USERS[:4]]
    safety_rm, helpful_rm = tiny_reward_model(tokenizer, seed=3), tiny_reward_model(tokenizer,
                                                                                    seed=4)
    reward_fn = make_combined_reward_fn(
        lambda p, r: probs(score_responses(safety_rm, tokenizer, p, r)),
        lambda p, r: probs(score_responses(helpful_rm, tokenizer, p, r)),
        lambda prompt: "story" in prompt,
    )
    cfg = PPOConfig(learning_rate=1e-4, batch_size=8, mini_batch_size=4, micro_batch_size=2,
                    iterations=2, max_new_tokens=6, temperature=0.7, top_p=0.9)
    seen = []
    result = train_ppo(tiny_llama(tokenizer, seed=5), tokenizer, prompts, reward_fn, cfg,
                       progress=lambda i, s: seen.append(i))
    assert seen == [0, 1]
    first = result.stats[0]
    assert 0.0 < first["raw_reward"] < 1.0  # R_c is a probability
    assert 0.0 <= first["safety_reward_share"] <= 1.0
    assert first["response_length"] <= 6


# --------------------------------------------------------------------------- missing EOS


def _scripted_sampling(monkeypatch, tokenizer):
    """Replace the policy's sampling with fixed rows: row 0 ends with EOS, row 1 does not."""
    import safety_assets.rlhf.ppo as ppo

    letters = [tokenizer.convert_tokens_to_ids(c) for c in "abc"]
    eos = tokenizer.eos_token_id
    rows = torch.tensor([[letters[0], letters[1], eos], letters])

    def fake_sample_ids(model, input_ids, *args, **kwargs):
        return rows[: input_ids.shape[0]].to(input_ids.device)

    monkeypatch.setattr(ppo, "sample_ids", fake_sample_ids)
    return rows


def _rollout(policy, tokenizer, reward_fn, **config):
    from safety_assets.rlhf.ppo import collect_rollout

    prompts = [format_prompt("hello"), format_prompt("tell me a story")]
    ids = [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
    cfg = PPOConfig(batch_size=2, mini_batch_size=2, max_new_tokens=3, **config)
    return collect_rollout(policy, policy, ValueHead(policy.config.hidden_size), tokenizer,
                           prompts, ids, reward_fn, cfg, 0, torch.device("cpu"))


def test_missing_eos_penalty_lowers_only_the_score_of_unfinished_rollouts(
        monkeypatch, policy, tokenizer):
    _scripted_sampling(monkeypatch, tokenizer)
    seen = []

    def reward_fn(prompts, responses, finished=None):
        seen.append(list(finished))
        return torch.tensor([1.0, 2.0])

    plain = _rollout(policy, tokenizer, reward_fn)
    penalised = _rollout(policy, tokenizer, reward_fn, missing_eos_penalty=0.75)
    assert seen == [[True, False], [True, False]]  # the reward function is told, too
    assert plain.finished.tolist() == [True, False]
    assert plain.score.tolist() == [1.0, 2.0]
    assert penalised.score.tolist() == [1.0, 1.25]
    assert torch.equal(penalised.raw, plain.raw)  # the reported raw reward is untouched


def test_reward_functions_without_a_finished_argument_still_work(monkeypatch, policy,
                                                                 tokenizer):
    _scripted_sampling(monkeypatch, tokenizer)
    rollout = _rollout(policy, tokenizer, lambda p, r: torch.tensor([0.5, 0.5]),
                       missing_eos_penalty=1.0)
    assert rollout.score.tolist() == [0.5, -0.5]


def test_ppo_reports_the_truncated_share_per_iteration(monkeypatch, tokenizer):
    _scripted_sampling(monkeypatch, tokenizer)
    cfg = PPOConfig(learning_rate=1e-4, batch_size=2, mini_batch_size=2, iterations=2,
                    max_new_tokens=3, missing_eos_penalty=1.0)
    result = train_ppo(tiny_llama(tokenizer, seed=5), tokenizer,
                       [format_prompt(u) for u in USERS[:2]],
                       lambda p, r: torch.zeros(len(p)), cfg)
    assert [s["truncated_share"] for s in result.stats] == [0.5, 0.5]
    assert [s["score"] for s in result.stats] == [-0.5, -0.5]


def test_lora_ppo_takes_the_adapter_free_policy_as_reference_and_saves_it_merged(
        tokenizer, tmp_path, monkeypatch):
    from safety_assets.rlhf.ppo import AdaptersDisabled

    prompts = [format_prompt(u) for u in USERS]
    policy = tiny_llama(tokenizer, seed=0)
    base = {k: v.clone() for k, v in policy.state_dict().items()}
    cfg = PPOConfig(**{**tiny_config(0.3, 3).to_dict(), "lora_r": 4, "learning_rate": 1e-2})
    seen: list[object] = []
    import safety_assets.rlhf.ppo as ppo_module

    original = ppo_module.collect_rollout

    def spy(policy_, ref_policy, *args, **kwargs):
        seen.append(ref_policy)
        return original(policy_, ref_policy, *args, **kwargs)

    monkeypatch.setattr(ppo_module, "collect_rollout", spy)
    result = train_ppo(policy, tokenizer, prompts, target_fraction, cfg)
    # The reference is the same model with its adapters off: no copy, and the first rollout,
    # before any update, has exactly zero KL (LoRA's B starts at zero).
    assert all(isinstance(r, AdaptersDisabled) and r.policy is result.policy for r in seen)
    assert result.stats[0]["kl"] == pytest.approx(0.0, abs=1e-6)
    assert result.stats[-1]["kl"] != 0.0
    trainable = {n for n, p in result.policy.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n for n in trainable)
    out = result.save(tmp_path / "lora-ppo", tokenizer)
    reloaded = AutoModelForCausalLM.from_pretrained(out)
    state = reloaded.state_dict()
    assert set(state) == set(base)                      # a plain model, adapters merged in
    name = "model.layers.0.self_attn.q_proj.weight"
    assert not torch.equal(state[name], base[name])
    assert torch.equal(state["model.layers.0.mlp.up_proj.weight"],
                       base["model.layers.0.mlp.up_proj.weight"])
