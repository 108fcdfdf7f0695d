"""The shared training pieces of core/nets.py."""

import math

import pytest
import torch
from torch import nn

from core.nets import EMA, FourierFeatures, adam, cosine_lr, mlp, parameter_count, set_lr


def test_set_lr_reaches_every_group_of_one_or_several_optimisers():
    a, b = nn.Linear(2, 3), nn.Linear(3, 1)
    one = torch.optim.Adam([{"params": a.weight}, {"params": a.bias}], lr=0.1)
    two = torch.optim.SGD(b.parameters(), lr=0.1)
    set_lr(one, 0.5)
    assert [g["lr"] for g in one.param_groups] == [0.5, 0.5]
    set_lr({"x": one, "y": two}.values(), 0.25)
    assert [g["lr"] for g in one.param_groups + two.param_groups] == [0.25, 0.25, 0.25]


@pytest.mark.parametrize("decoupled, options", [(False, {}), (False, {"betas": (0.5, 0.9), "weight_decay": 1e-2}),
                                                 (True, {"weight_decay": 0.01})])
def test_adam_is_fused_and_takes_the_steps_of_pytorchs_default_update(decoupled, options):
    """The fused update is the same algorithm as torch.optim.Adam / AdamW's default: from the same weights, each
    of 200 steps lands on the same weights up to float32 rounding, while each optimiser keeps its own moments and
    step count; a live learning-rate change applies to it.

    The weights are made equal again after each step (the moments are not). Compared only after 200 free
    steps, a rounding difference between the two kernels grew tenfold every two steps on an AVX-512 machine
    (betas (0.5, 0.9): a weight whose gradient is near 0 moves by about ±lr by the sign of its rounding), to
    3e-3 at step 199, in float64 as well."""
    torch.manual_seed(0)
    x, y = torch.randn(64, 3), torch.randn(64, 1)
    nets = [mlp((3, 16, 1), "tanh") for _ in range(2)]
    nets[1].load_state_dict(nets[0].state_dict())
    start = [p.detach().clone() for p in nets[0].parameters()]
    fused = adam(nets[0].parameters(), 3e-3, decoupled=decoupled, **options)
    default = (torch.optim.AdamW if decoupled else torch.optim.Adam)(nets[1].parameters(), lr=3e-3, **options)
    assert fused.defaults["fused"] and not default.defaults.get("fused")
    for step in range(200):
        if step == 100:
            set_lr([fused, default], 1e-2)
        for net, opt in zip(nets, (fused, default)):
            loss = ((net(x) - y) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():  # apart by float32 rounding (measured: 1.2e-7 at most), far below a step of lr 3e-3
            for a, b in zip(nets[0].parameters(), nets[1].parameters()):
                assert (a - b).abs().max().item() <= 1e-6, (step, (a - b).abs().max().item())
                b.copy_(a)
    assert max((a - b).abs().max().item() for a, b in zip(nets[0].parameters(), start)) > 0.01  # it trained


def test_cosine_lr_falls_from_lr_to_the_floor_then_stays():
    assert cosine_lr(0, 2.0, 100) == 2.0
    assert cosine_lr(50, 2.0, 100) == pytest.approx(2.0 * (0.05 + 0.95 * 0.5))
    assert cosine_lr(100, 2.0, 100) == pytest.approx(0.1) == cosine_lr(10_000, 2.0, 100)
    assert cosine_lr(70, 2.0, 0) == 2.0  # no decay
    values = [cosine_lr(s, 1.0, 40) for s in range(41)]
    assert all(x > y for x, y in zip(values, values[1:]))


def test_ema_averages_the_weights_and_warms_up():
    model = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(0.0)
    plain, warm = EMA(model, 0.9), EMA(model, 0.9, warmup=True)
    with torch.no_grad():
        model.weight.fill_(1.0)
    plain.update(model, step=0)
    warm.update(model, step=0)  # d = min(0.9, 1/10) = 0.1: the average moves most of the way
    assert plain.model.weight.item() == pytest.approx(0.1)
    assert warm.model.weight.item() == pytest.approx(0.9)
    assert not plain.model.weight.requires_grad and plain.model is not model
    for _ in range(200):
        plain.update(model)
    assert math.isclose(plain.model.weight.item(), 1.0, abs_tol=1e-6)


def test_parameter_count_over_several_modules():
    assert parameter_count(nn.Linear(2, 3)) == 9
    assert parameter_count(nn.Linear(2, 3), nn.Linear(3, 1)) == 13


def test_mlp_layers_in_order_with_norm_activation_and_final():
    net = mlp((3, 8, 5, 2), nn.Tanh, final=nn.Sigmoid, norm=nn.BatchNorm1d)
    assert [type(m) for m in net] == [nn.Linear, nn.BatchNorm1d, nn.Tanh, nn.Linear, nn.BatchNorm1d, nn.Tanh,
                                      nn.Linear, nn.Sigmoid]
    assert [(m.in_features, m.out_features) for m in net if isinstance(m, nn.Linear)] == [(3, 8), (8, 5), (5, 2)]
    assert [type(m) for m in mlp((4, 6, 1), "relu")] == [nn.Linear, nn.ReLU, nn.Linear]
    assert [type(m) for m in mlp((4, 1))] == [nn.Linear]  # no hidden layer: a linear model


def test_mlp_same_seed_same_weights_as_the_layers_built_by_hand():
    torch.manual_seed(3)
    by_hand = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))
    torch.manual_seed(3)
    built = mlp((2, 16, 16, 3), "relu")
    assert all(torch.equal(a, b) for a, b in zip(by_hand.state_dict().values(), built.state_dict().values()))
    assert list(by_hand.state_dict()) == list(built.state_dict())


def test_config_checks_say_what_is_allowed():
    from core.errors import ConfigError
    from core.nets import check_activation, check_hidden, positive

    check_hidden((), 4, 512)
    check_hidden((512, 1), 4, 512)
    for bad in ((0,), (513,), (8,) * 5):
        with pytest.raises(ConfigError, match="Use 0 to 4 hidden layers of 1 to 512 units each"):
            check_hidden(bad, 4, 512)
    with pytest.raises(ConfigError, match="Use 1 to 4"):
        check_hidden((), 4, 256, min_layers=1)
    with pytest.raises(ConfigError, match="Unknown activation 'swish'"):
        check_activation("swish")
    assert positive(1e-3) and not positive(0.0) and not positive(float("inf")) and not positive(float("nan"))


def test_fourier_features_are_sin_and_cos_of_fixed_random_projections():
    torch.manual_seed(0)
    before = torch.rand(1)
    torch.manual_seed(0)
    f = FourierFeatures(3, 16, 5.0, seed=4, keep_input=True)
    assert torch.equal(torch.rand(1), before)  # its own generator: the global stream is untouched
    assert torch.equal(FourierFeatures(3, 16, 5.0, seed=4).B, f.B) and f.B.shape == (3, 16) and f.phase.shape == (16,)
    x = torch.randn(10, 3)
    out = f(x)
    h = x @ f.B + f.phase
    assert out.shape == (10, f.out_dim) == (10, 3 + 32)
    assert torch.equal(out[:, :3], x) and torch.allclose(out[:, 3:19], torch.sin(h)) and torch.allclose(out[:, 19:], torch.cos(h))
    assert FourierFeatures(3, 16, 5.0, seed=4)(x).shape == (10, 32)
    assert set(f.state_dict()) == {"B", "phase"} and not list(f.parameters())  # fixed, saved with the weights
