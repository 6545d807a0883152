import pytest
import torch
from torch import nn

from zfviz.core.hooks import borrowed


def _net():
    return nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Dropout(0.5), nn.Linear(3, 2))


def test_borrowed_switches_to_eval_and_restores_train_mode():
    net = _net().train()
    with borrowed(net):
        assert not any(m.training for m in net.modules())
    assert all(m.training for m in net.modules())


def test_borrowed_restores_mixed_modes_per_module():
    net = _net().train()
    net[2].eval()
    with borrowed(net, train=True):
        pass
    assert [m.training for m in net] == [True, True, False, True]


def test_borrowed_removes_hooks_even_when_the_body_raises():
    net = _net().eval()
    with pytest.raises(ZeroDivisionError):
        with borrowed(net) as hooks:
            hooks.forward(net[1], lambda m, i, o: None)
            hooks.backward(net[0], lambda m, gi, go: None)
            raise ZeroDivisionError
    assert not net[1]._forward_hooks and not net[0]._backward_hooks


def test_borrowed_restores_requires_grad_flags():
    net = _net()
    net[0].weight.requires_grad_(False)
    with borrowed(net):
        for p in net.parameters():
            p.requires_grad_(True)
    assert net[0].weight.requires_grad is False and net[0].bias.requires_grad is True


def test_borrowed_keeps_the_callers_own_hooks():
    net = _net()
    handle = net[1].register_forward_hook(lambda m, i, o: None)
    with borrowed(net):
        pass
    assert len(net[1]._forward_hooks) == 1
    handle.remove()


def test_borrowed_leaves_weights_untouched():
    net = _net()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with borrowed(net):
        net(torch.randn(4, 3)).sum().backward()
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
