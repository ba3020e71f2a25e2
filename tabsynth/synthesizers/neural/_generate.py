"""Generating sequences step by step with the recurrent network: the state carried, numbers tracked.

Each step: the GRU reads the previous encoded row, the previous level of every number, the step's
features and the context; the head draws the step's units (:class:`~._recurrent.StepSampler`); each
number's level is decoded on the spot (its mode's mean plus its scalar in that mode's units) -- a
smooth number's as the previous level plus the drawn step, kept inside the range seen -- and becomes
the next step's input. Memory is the GRU state, the previous row and the output drawn so far.
"""

from __future__ import annotations

from . import _recurrent as R
from . import _torch as T
from ._tracks import START, STEP


class TrackDecoder:
    """Decodes each number's value from its drawn mode and scalar, inside the loop (torch, on device)."""

    def __init__(self, tracks, transformer, units, device):
        torch = T.import_torch()
        self.tracks = tracks.tracks_
        position = {(u["column"], u["kind"]): k for k, u in enumerate(units)}
        self.parts = []
        for track in self.tracks:
            names = [track["name"] + START, track["name"] + STEP] if track["smooth"] else [track["name"]]
            parts = []
            for name in names:
                normalizer = transformer.normalizers_[name]
                parts.append((position[(name, "mode")], position[(name, "scalar")],
                              torch.as_tensor(normalizer.means_, dtype=torch.float64, device=device),
                              torch.as_tensor(normalizer.stds_, dtype=torch.float64, device=device)))
            self.parts.append(parts)
        keys = ("low", "high", "center", "scale")
        # levels in float64: a column's values may lie beyond float32's range (1e300), and only the
        # standardized level the network reads is cast down
        self.bounds = {k: torch.as_tensor([t[k] for t in self.tracks], dtype=torch.float64, device=device)
                       for k in keys}

    @staticmethod
    def _value(part, draws):
        torch = T.import_torch()
        mode_unit, scalar_unit, means, stds = part
        mode = draws[mode_unit].long()
        return torch.clamp(draws[scalar_unit].double(), -1.0, 1.0) * 4 * stds[mode] + means[mode]

    def levels(self, draws, previous, first: bool, baseline):
        """Every number's departure from its seasonal ``baseline`` at this step (modeling scale), from the
        unit draws and the previous departures (a number modeled as a whole value: its value less the baseline)."""
        torch = T.import_torch()
        columns = []
        for j, (track, parts) in enumerate(zip(self.tracks, self.parts)):
            if track["smooth"]:
                value = self._value(parts[0], draws) if first else previous[:, j] + self._value(parts[1], draws)
            else:
                value = self._value(parts[0], draws)
                if track["log"]:
                    value = torch.log(value.clamp_min(1e-300))
                value = value - baseline[:, j]
            columns.append(value)
        if not columns:
            return previous
        return torch.minimum(torch.maximum(torch.stack(columns, dim=1), self.bounds["low"]), self.bounds["high"])

    def standardized(self, levels):
        """The network's input: levels standardized, in float32."""
        return ((levels - self.bounds["center"]) / self.bounds["scale"]).float()


def generate(net, units, decoder, vectors, features, baselines, width: int, generator):
    """Draw ``width`` steps for every sequence (``baselines``: each number's seasonal baseline per step):
    ``(draws, departures)`` as numpy arrays of shape ``(sequences, width, units)`` and ``(sequences, width,
    numbers)``."""
    torch = T.import_torch()
    size, device = len(vectors), vectors.device
    state = R.initial_state(net, vectors)
    sampler = R.StepSampler(net, units, generator)
    previous = torch.zeros((size, net.data_dim), device=device)
    levels = torch.zeros((size, len(decoder.tracks)), dtype=torch.float64, device=device)
    drawn = torch.zeros((width, size, len(units)), device=device)
    tracked = torch.zeros((width, size, len(decoder.tracks)), dtype=torch.float64, device=device)
    flag = torch.ones((size, 1), device=device)
    inputs_level = torch.zeros((size, len(decoder.tracks)), device=device)
    for t in range(width):
        inputs = torch.cat([previous, inputs_level, flag, features[:, t], vectors], dim=1)[:, None, :]
        summary, state = net.gru(inputs, state)
        previous, draws = sampler.draw(summary[:, 0], first=t == 0)
        levels = decoder.levels(draws, levels, t == 0, baselines[:, t])
        drawn[t] = torch.stack([d.to(torch.float32) for d in draws], dim=1)
        tracked[t] = levels
        inputs_level = decoder.standardized(levels)
        flag = torch.zeros_like(flag)
    return drawn.transpose(0, 1).cpu().numpy(), tracked.transpose(0, 1).cpu().numpy()
