"""CTGAN's networks, and the generator rewritten as a few matrix products for sampling.

In eval mode each batch normalization is a fixed affine map, so it folds into the linear layer
before it. The conditional vector is one-hot: its product with a weight matrix is one row of the
matrix, looked up instead of multiplied (106 of Adult's 234 input columns, in every layer since the
residual blocks pass the input on). And every layer's input is ``[h_k, ..., h_0, noise, cond]``:
each source's products with all the layers that read it make one matrix product into a shared
pre-activation buffer, with no concatenation. Same function, a quarter fewer multiply-adds.
"""

from __future__ import annotations

import functools
import itertools

from . import _torch as T


@functools.cache
def network_classes():
    """Generator and critic classes (defined on first use: torch is imported lazily)."""
    torch = T.import_torch()

    class Generator(torch.nn.Module):
        """Residual blocks ``h <- [h, ReLU(BN(FC(h)))]`` then a linear layer to the row layout.

        With ``population_norm`` the batch normalizations keep the statistics that
        :meth:`CTGANSynthesizer._calibrate_normalization` measures and use them in eval mode; without
        (older model files), they always use the batch's own statistics.
        """

        def __init__(self, input_dim, dims, output_dim, layer, population_norm=True):
            super().__init__()
            blocks, width = [], input_dim
            for dim in dims:
                norm = torch.nn.BatchNorm1d(dim, momentum=None, track_running_stats=population_norm)
                blocks.append(torch.nn.Sequential(layer(width, dim), norm, torch.nn.ReLU()))
                width += dim
            self.blocks = torch.nn.ModuleList(blocks)
            self.out = layer(width, output_dim)

        @property
        def population_norm(self) -> bool:
            return self.blocks[0][1].track_running_stats

        def forward(self, h):
            for block in self.blocks:
                h = torch.cat([block(h), h], dim=1)
            return self.out(h)

    class Critic(torch.nn.Module):
        """A PacGAN critic: packs of ``pac`` rows, LeakyReLU(0.2) and dropout 0.5 per hidden layer."""

        pad_to = 16

        def __init__(self, input_dim, dims, pac, layer):
            super().__init__()
            self.pac, widths = pac, (input_dim * pac, *dims)
            self.hidden = torch.nn.ModuleList([layer(i, o) for i, o in itertools.pairwise(widths)])
            self.out = layer(widths[-1], 1)

        def forward(self, x, generator):
            h = self._first_layer(x.reshape(-1, x.shape[1] * self.pac))
            for layer in self.hidden[1:]:
                h = T.dropout(torch.nn.functional.leaky_relu(h, 0.2), 0.5, generator, self.training)
                h = layer(h)
            return self.out(T.dropout(torch.nn.functional.leaky_relu(h, 0.2), 0.5, generator, self.training))

        def _first_layer(self, packs):
            """The first layer, its input and weight padded with zero columns to a multiple of ``pad_to``.

            Same result; but the weight gradient (hidden width x packs x packed width: a product over
            only 50 packs) runs 3x faster when the packed width is a multiple of 16 (Adult: 2,550).
            """
            layer, pad = self.hidden[0], (-packs.shape[1]) % self.pad_to
            if not pad:
                return layer(packs)
            functional = torch.nn.functional
            return functional.linear(functional.pad(packs, (0, pad)), functional.pad(layer.weight, (0, pad)),
                                     layer.bias)

    return Generator, Critic


class FoldedGenerator:
    """An eval-mode generator with population normalization, as matrices (see the module docstring).

    ``folded(noise, cond_index)`` equals ``generator(cat([noise, one_hot(cond_index)]))`` up to
    rounding; ``cond_index`` is None when the table has no categorical column. Each layer's slice of
    the pre-activation buffer is padded with zero columns to a multiple of 16: matrix products whose
    output width is not run at about half speed on this project's CPUs (Adult's 149-wide rows: 23 against
    41 GMAC/s on one core).
    """

    def __init__(self, generator, noise_dim: int, cond_dim: int):
        torch = T.import_torch()
        with torch.no_grad():
            layers = [self._fold(block[0], block[1]) for block in generator.blocks]
            layers.append((generator.out.weight, generator.out.bias))
        widths = [len(bias) for _, bias in layers]
        self.starts = list(itertools.accumulate((-(-w // 16) * 16 for w in widths), initial=0))
        self.output = slice(self.starts[-2], self.starts[-2] + widths[-1])

        def products(source_first, source_width, consumers):  # (source width, buffer columns of consumers)
            matrix = layers[0][0].new_zeros((source_width, self.starts[-1] - self.starts[consumers]))
            for k in range(consumers, len(layers)):
                weight, stop = layers[k][0], layers[k][0].shape[1] - source_first
                begin = self.starts[k] - self.starts[consumers]
                matrix[:, begin:begin + widths[k]] = weight[:, stop - source_width:stop].T
            return matrix

        with torch.no_grad():
            # row c of ``table``: condition c's contribution to every pre-activation, plus the biases
            self.table = products(0, cond_dim, 0) if cond_dim else layers[0][0].new_zeros((1, self.starts[-1]))
            for k, (_, bias) in enumerate(layers):
                self.table[:, self.starts[k]:self.starts[k] + widths[k]] += bias
            self.from_noise = products(cond_dim, noise_dim, 0)
            self.from_hidden = []  # block i's output feeds every later layer
            for i, width in enumerate(widths[:-1]):
                matrix = products(cond_dim + noise_dim + sum(widths[:i]), width, i + 1)
                padded = matrix.new_zeros((self.starts[i + 1] - self.starts[i], matrix.shape[1]))
                padded[:width] = matrix
                self.from_hidden.append(padded)

    @staticmethod
    def _fold(linear, norm):
        """The linear layer followed by eval-mode batch normalization, as one (weight, bias)."""
        torch = T.import_torch()
        scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
        return linear.weight * scale[:, None], (linear.bias - norm.running_mean) * scale + norm.bias

    def __call__(self, noise, cond_index):
        torch = T.import_torch()
        if cond_index is None:
            cond_index = torch.zeros(len(noise), dtype=torch.long, device=noise.device)
        pre = torch.index_select(self.table, 0, cond_index)
        pre.addmm_(noise, self.from_noise)
        for i, weights in enumerate(self.from_hidden):
            hidden = torch.relu(pre[:, self.starts[i]:self.starts[i + 1]])
            pre[:, self.starts[i + 1]:].addmm_(hidden, weights)
        return pre[:, self.output]
