"""The network of the neural sequence synthesizer: a GRU over the steps and a masked head per step.

At step t the GRU reads the previous step's encoded row (the shared neural layout: mode-specific
scalars and modes, one-hot categories, the missingness pattern), a first-step flag, the step's
features (position, calendar, gap) and the sequence's context; its initial state is a function of
the context. Its output conditions a MADE-style head (Germain et al., 2015) that factorizes the
step's row autoregressively over its *units* -- each span of the layout, a numerical column's mode
before its scalar -- so the columns of one step keep their joint distribution (a temperature and its
dew point at the same hour), not only their dependence on the past. A softmax unit is a categorical
distribution; a scalar unit is a Gaussian with a predicted mean and log standard deviation.

Every weight is drawn from a local ``torch.Generator`` (``_torch.linear``); the GRU has no dropout
(torch's would draw from the global generator).
"""

from __future__ import annotations

import math

import numpy as np

from . import _torch as T

LOG_SIGMA_RANGE = (-7.0, 1.0)


def units_of(spans, phase_of) -> list[dict]:
    """The layout's spans in generation order (a numerical column's mode span before its scalar), each
    with its column and ``phase_of(column)`` (``'always'``, ``'start'``: first step only, ``'step'``)."""
    order, pending = [], None
    for index, span in enumerate(spans):
        if span.kind == "scalar":
            pending = index
            continue
        order.append(index)
        if pending is not None and span.kind == "mode":
            order.append(pending)
            pending = None
    scalars = [i for i, s in enumerate(spans) if s.kind == "scalar"]
    return [{"span": i, "start": spans[i].start, "stop": spans[i].stop, "scalar": spans[i].kind == "scalar",
             "slot": scalars.index(i) if spans[i].kind == "scalar" else -1, "column": spans[i].column,
             "kind": spans[i].kind, "phase": phase_of(spans[i].column)} for i in order]


def _degrees(units, data_dim: int, num_scalars: int) -> tuple[np.ndarray, np.ndarray]:
    """Degree (1-based generation rank) of every data column, and of every head output (data columns,
    then one log standard deviation per scalar)."""
    inputs = np.zeros(data_dim, dtype=np.int64)
    sigma = np.zeros(num_scalars, dtype=np.int64)
    for rank, unit in enumerate(units, start=1):
        inputs[unit["start"]:unit["stop"]] = rank
        if unit["scalar"]:
            sigma[unit["slot"]] = rank
    return inputs, np.r_[inputs, sigma]


def build(data_dim: int, num_tracks: int, feature_dim: int, context_dim: int, hidden: int, layers: int,
          head: int, units, generator, device):
    """The module (weights from ``generator``; None leaves them empty, to be loaded)."""
    torch = T.import_torch()
    num_scalars = sum(u["scalar"] for u in units)
    layer = T.layer_builder(generator, device)

    net = torch.nn.Module()
    net.initial = layer(context_dim, hidden * layers)
    # built on the meta device (no values, so torch's own initializer draws nothing), then given storage
    width = data_dim + num_tracks + 1 + feature_dim + context_dim
    net.gru = torch.nn.GRU(width, hidden, num_layers=layers, batch_first=True, device="meta").to_empty(device=device)
    if generator is not None:
        bound = 1.0 / math.sqrt(hidden)
        with torch.no_grad():
            for weight in net.gru.parameters():
                weight.uniform_(-bound, bound, generator=generator)
    net.context_head = layer(hidden, head)       # the GRU output's share of every hidden unit
    net.direct = layer(hidden, data_dim + num_scalars)
    net.made_in = layer(data_dim, head)          # masked: hidden unit of degree m sees inputs of degree <= m
    net.made_out = layer(head, data_dim + num_scalars)  # masked: output of degree d sees hidden units < d
    net.skip = layer(data_dim, data_dim + num_scalars)  # masked: output of degree d sees inputs < d
    inputs, outputs = _degrees(units, data_dim, num_scalars)
    hidden_degrees = 1 + np.arange(head) % max(len(units) - 1, 1)
    masks = {"made_in": inputs[None, :] <= hidden_degrees[:, None],
             "made_out": hidden_degrees[None, :] < outputs[:, None],
             "skip": inputs[None, :] < outputs[:, None]}
    if len(units) < 2:
        masks["made_in"] = np.zeros_like(masks["made_in"])
    for name, mask in masks.items():
        net.register_buffer(f"{name}_mask", torch.as_tensor(mask, dtype=torch.float32, device=device),
                            persistent=False)
    net.hidden, net.layers, net.data_dim = hidden, layers, data_dim
    return net


def initial_state(net, context):
    """The GRU's initial state, shape ``(layers, batch, hidden)``, from the context vectors."""
    torch = T.import_torch()
    state = torch.tanh(net.initial(context))
    return state.reshape(len(context), net.layers, net.hidden).transpose(0, 1).contiguous()


def head_outputs(net, summary, rows):
    """Every head output for steps with GRU outputs ``summary`` and (teacher-forced) encoded ``rows``."""
    torch = T.import_torch()
    hidden = torch.relu(net.context_head(summary) + rows @ (net.made_in.weight * net.made_in_mask).T
                        + net.made_in.bias)
    return (net.direct(summary) + hidden @ (net.made_out.weight * net.made_out_mask).T
            + net.made_out.bias + rows @ (net.skip.weight * net.skip_mask).T + net.skip.bias)


def step_nll(net, layout, outputs, rows, targets, category_weight, scalar_columns, scalar_weight):
    """Negative log-likelihood of each step: cross-entropy of its softmax units plus the Gaussian
    terms of its scalars, each weighted (0: a unit of another phase; a scalar whose value is an atom
    or missing)."""
    torch = T.import_torch()
    data_dim = net.data_dim
    categorical = -(layout.log_probs(outputs[:, :data_dim]).gather(1, targets) * category_weight).sum(dim=1)
    log_sigma = outputs[:, data_dim:].clamp(*LOG_SIGMA_RANGE)
    z = (rows[:, scalar_columns] - outputs[:, scalar_columns]) * torch.exp(-log_sigma)
    gaussian = ((0.5 * z**2 + log_sigma + 0.5 * math.log(2 * math.pi)) * scalar_weight).sum(dim=1)
    return categorical + gaussian


class StepSampler:
    """Draws one step of every sequence in a batch, unit by unit, from the head's conditionals."""

    def __init__(self, net, units, generator):
        torch = T.import_torch()
        self.net, self.units, self.generator = net, units, generator
        self.made_in = (net.made_in.weight * net.made_in_mask).T.contiguous()
        self.made_out = (net.made_out.weight * net.made_out_mask).T.contiguous()
        self.skip = (net.skip.weight * net.skip_mask).T.contiguous()
        self.bias = net.made_out.bias + net.skip.bias
        data_dim = net.data_dim
        self.columns = [torch.arange(u["start"], u["stop"], device=net.made_in.weight.device)
                        if not u["scalar"] else torch.tensor([u["start"], data_dim + u["slot"]],
                                                             device=net.made_in.weight.device)
                        for u in units]

    def draw(self, summary, first: bool):
        """``(rows, draws)``: the encoded rows of the step and each unit's draw (code or scalar; 0 for
        the units of the other phase, which stay out of the row)."""
        torch = T.import_torch()
        size = len(summary)
        rows = torch.zeros((size, self.net.data_dim), device=summary.device)
        pre = self.net.context_head(summary) + self.net.made_in.bias
        base = self.net.direct(summary) + self.bias
        draws = []
        skip = "step" if first else "start"
        for unit, columns in zip(self.units, self.columns):
            if unit["phase"] == skip:
                draws.append(torch.zeros(size, device=summary.device))
                continue
            hidden = torch.relu(pre)
            out = base[:, columns] + hidden @ self.made_out[:, columns] + rows @ self.skip[:, columns]
            if unit["scalar"]:
                noise = torch.randn(size, generator=self.generator, device=summary.device)
                sigma = torch.exp(out[:, 1].clamp(*LOG_SIGMA_RANGE))
                value = (out[:, 0] + sigma * noise).clamp(-0.99, 0.99)
                rows[:, unit["start"]] = value
                pre = pre + value[:, None] * self.made_in[unit["start"]][None, :]
                draws.append(value)
                continue
            cumulative = torch.softmax(out, dim=1).cumsum(dim=1)
            uniform = torch.rand((size, 1), generator=self.generator, device=summary.device)
            code = torch.minimum((cumulative < uniform * cumulative[:, -1:]).sum(dim=1),
                                 torch.tensor(len(columns) - 1, device=summary.device))
            rows[torch.arange(size, device=summary.device), unit["start"] + code] = 1.0
            pre = pre + self.made_in[unit["start"] + code]
            draws.append(code)
        return rows, draws
