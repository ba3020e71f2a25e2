"""Torch plumbing shared by CTGAN and TVAE, with every random draw on a local generator.

torch is imported lazily (it is an optional extra). torch's own ``nn.init``, ``nn.Dropout`` and
``F.gumbel_softmax`` draw from the global generator, which the library never touches: layers are
built without initialization (``skip_init``) and initialized, dropped out and Gumbel-perturbed
here from a ``torch.Generator`` seeded from the numpy ``rng`` of the fit or sample call.
:class:`FusedLayout` applies every one-hot block's softmax (or log-softmax) in one kernel.
"""

from __future__ import annotations

import math

import numpy as np

from ...validation import check_choice, import_optional

DEVICES = ("cpu", "cuda", "auto")


def import_torch():
    """The torch module, or :class:`MissingDependencyError` saying how to install it."""
    return import_optional("torch", "CTGANSynthesizer and TVAESynthesizer", "torch")


def select_device(device: str, owner: str):
    """``"cpu"``, ``"cuda"`` or ``"auto"`` (CUDA when available) as a ``torch.device``."""
    torch = import_torch()
    check_choice(device, owner, "device", DEVICES)
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        from ...errors import DeviceUnavailableError

        raise DeviceUnavailableError(f"{owner} was asked for device='cuda' but CUDA is not available; "
                                    "use device='cpu' or device='auto'.")
    return torch.device(device)


def make_generator(rng: np.random.Generator, device):
    """A local ``torch.Generator`` on ``device``, seeded from ``rng``."""
    torch = import_torch()
    generator = torch.Generator(device=device)
    generator.manual_seed(int(rng.integers(0, 2**63 - 1)))
    return generator


def linear(in_features: int, out_features: int, generator, device):
    """An ``nn.Linear`` initialized as torch does (uniform +-1/sqrt(fan_in)) but from ``generator``."""
    torch = import_torch()
    layer = torch.nn.utils.skip_init(torch.nn.Linear, in_features, out_features, device=device)
    bound = 1.0 / math.sqrt(max(in_features, 1))  # a layer with no inputs (nothing to read yet) has only its bias
    with torch.no_grad():
        layer.weight.uniform_(-bound, bound, generator=generator)
        layer.bias.uniform_(-bound, bound, generator=generator)
    return layer


def layer_builder(generator, device):
    """``layer(in, out)``: a linear layer drawn from ``generator``, or left empty (None: weights to load)."""

    def layer(in_features: int, out_features: int):
        if generator is None:
            return empty_linear(in_features, out_features, device)
        return linear(in_features, out_features, generator, device)

    return layer


def empty_linear(in_features: int, out_features: int, device):
    """An uninitialized ``nn.Linear`` (to be filled from a model file)."""
    torch = import_torch()
    return torch.nn.utils.skip_init(torch.nn.Linear, in_features, out_features, device=device)


def adam(parameters, lr: float, weight_decay: float, betas=(0.9, 0.999)):
    """Adam with the fused kernel: one pass over all parameters per step instead of a dozen small
    ops per tensor (the same update; ~6 % of a CTGAN step on 2 CPU cores)."""
    torch = import_torch()
    return torch.optim.Adam(parameters, lr=lr, betas=betas, weight_decay=weight_decay, fused=True)


def dropout(x, p: float, generator, training: bool):
    """Inverted dropout with the mask drawn from ``generator``."""
    if not training or p == 0:
        return x
    torch = import_torch()
    keep = torch.rand(x.shape, generator=generator, device=x.device) >= p
    return x * keep / (1 - p)


def gumbel_perturb(logits, generator):
    """``logits`` plus Gumbel noise: the argmax of any block is then a draw from its softmax."""
    torch = import_torch()
    uniform = torch.rand(logits.shape, generator=generator, device=logits.device)
    return logits - torch.log(-torch.log(uniform.clamp(1e-10, 1.0 - 1e-7)))


class FusedLayout:
    """A layout's softmax spans gathered into a few padded ``(rows, blocks, widest)`` tensors.

    One softmax (or log-softmax) per group of similar widths serves every one-hot block at once,
    instead of a Python loop of small kernels per span (the loop dominated small batches); grouping
    by width (powers of two) keeps the padding small when one column has many categories.

    Parameters
    ----------
    spans : list of Span
        The transformer's layout.
    device : torch.device
    """

    def __init__(self, spans, device):
        torch = import_torch()
        soft = [s for s in spans if s.activation == "softmax"]
        buckets: dict[int, list] = {}
        for span in soft:
            buckets.setdefault(int(np.ceil(np.log2(max(span.width, 2)))), []).append(span)
        scalars = np.array([s.start for s in spans if s.activation == "tanh"], dtype=np.int64)
        order, self.groups, self.flat_start, firsts, lasts = [scalars], [], {}, [], []
        for key in sorted(buckets):
            members = buckets[key]
            index = np.full((len(members), max(s.width for s in members)), -1, dtype=np.int64)
            for i, span in enumerate(members):
                index[i, :span.width] = np.arange(span.start, span.stop)
                self.flat_start[span.start] = sum(len(o) for o in order[1:]) + int((index[:i] >= 0).sum())
            valid = index >= 0
            firsts.append([self.flat_start[s.start] for s in members])
            lasts.append([s.width - 1 for s in members])
            self.groups.append((torch.as_tensor(np.where(valid, index, 0).reshape(-1), device=device), index.shape,
                                torch.as_tensor(~valid, device=device), torch.as_tensor(np.flatnonzero(valid),
                                                                                         device=device)))
            order.append(index[valid])
        self.scalars = torch.as_tensor(scalars, device=device)
        self.inverse = torch.as_tensor(np.argsort(np.concatenate(order)), device=device)
        self._firsts = [torch.as_tensor(f, device=device) for f in firsts]
        self._lasts = [torch.as_tensor(last, device=device) for last in lasts]
        # where each span's value sits in draw()'s output: ("tanh", column of scalars) or ("softmax", of codes)
        drawn_order = [s.start for key in sorted(buckets) for s in buckets[key]]
        self._draw_slots = [("tanh", int(np.searchsorted(scalars, s.start))) if s.activation == "tanh"
                            else ("softmax", drawn_order.index(s.start)) for s in spans]

    def _blocks(self, x, group):
        """One group of blocks of ``x`` as ``(rows, blocks, widest)``, padding at -inf."""
        torch = import_torch()
        index, shape, padding, _ = group
        return torch.index_select(x, 1, index).reshape(len(x), *shape).masked_fill(padding, -math.inf)

    def _flat(self, x, group):
        torch = import_torch()
        return torch.index_select(x.reshape(len(x), -1), 1, group[3])

    def activate(self, raw, tau: float | None = None, generator=None):
        """``tanh`` on scalars; softmax (Gumbel-softmax at ``tau`` with noise from ``generator``) on blocks."""
        torch = import_torch()
        logits = raw if tau is None else gumbel_perturb(raw, generator) / tau
        parts = [torch.tanh(raw[:, self.scalars])]
        parts += [self._flat(torch.softmax(self._blocks(logits, g), dim=2), g) for g in self.groups]
        return torch.index_select(torch.cat(parts, dim=1), 1, self.inverse)

    def draw(self, raw, generator):
        """``tanh`` of the scalars, and one code per block drawn from its softmax by inverse CDF (one
        uniform per block, where Gumbel-max needs one per logit): numpy ``(scalars, codes)``."""
        torch = import_torch()
        parts = []
        for group, last in zip(self.groups, self._lasts):
            blocks = self._blocks(raw, group)  # unnormalized (a softmax over these narrow blocks is slower)
            cumulative = torch.exp(blocks - blocks.amax(dim=2, keepdim=True)).cumsum_(dim=2)
            uniform = torch.rand((len(raw), blocks.shape[1], 1), generator=generator, device=raw.device)
            below = cumulative < uniform * cumulative[:, :, -1:]
            parts.append(torch.minimum(below.sum(dim=2), last))  # rounding may pass the end
        codes = torch.cat(parts, dim=1) if parts else torch.zeros((len(raw), 0), dtype=torch.long)
        return torch.tanh(raw[:, self.scalars]).cpu().numpy(), codes.cpu().numpy()

    def per_span(self, scalars: np.ndarray, codes: np.ndarray) -> list:
        """:meth:`draw`'s output as one array per span, in layout order (for ``TableTransformer.decode``)."""
        return [scalars[:, i] if kind == "tanh" else codes[:, i] for kind, i in self._draw_slots]

    def log_probs(self, raw):
        """Log-softmax of every block of ``raw``, flat: the block of span ``s`` starts at ``flat_start[s.start]``."""
        torch = import_torch()
        return torch.cat([self._flat(torch.log_softmax(self._blocks(raw, g), dim=2), g) for g in self.groups], dim=1)

    def targets(self, data):
        """Flat position (in :meth:`log_probs`) of the hot entry of every block of one-hot ``data``."""
        torch = import_torch()
        parts = [self._blocks(data, g).nan_to_num(neginf=-1.0).argmax(dim=2) + first
                 for g, first in zip(self.groups, self._firsts)]
        return torch.cat(parts, dim=1) if parts else torch.zeros((len(data), 0), dtype=torch.long)


def weights_to_numpy(module) -> dict:
    """A module's state dict as float numpy arrays (for model files)."""
    return {name: tensor.detach().cpu().numpy().copy() for name, tensor in module.state_dict().items()}


def weights_from_numpy(module, arrays: dict, device) -> None:
    """Fill a module from :func:`weights_to_numpy` output; raises ValueError on any mismatch."""
    torch = import_torch()
    expected = module.state_dict()
    if set(arrays) != set(expected):
        raise ValueError(f"network weights {sorted(arrays)} do not match the architecture {sorted(expected)}")
    tensors = {}
    for name, array in arrays.items():
        array = np.asarray(array)
        if tuple(array.shape) != tuple(expected[name].shape):
            raise ValueError(f"weight {name!r} has shape {array.shape}, expected {tuple(expected[name].shape)}")
        tensors[name] = torch.as_tensor(array, dtype=expected[name].dtype, device=device)
    module.load_state_dict(tensors)


def loss_frame(records: list[dict]):
    """The per-epoch loss records as a DataFrame."""
    import pandas as pd

    return pd.DataFrame.from_records(records)


def history_to_state(history) -> dict:
    return {name: history[name].to_numpy() for name in history.columns}


def history_from_state(state: dict):
    import pandas as pd

    return pd.DataFrame({name: np.asarray(values) for name, values in state.items()})
