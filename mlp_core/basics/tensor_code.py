"""The handout's section 1.1 snippets (tensors) as code, with a user's values filled in.

Page 1.1 shows each of these texts and runs that very text (`mlp_core.basics.snippets`), so the
code and its output on screen agree. Values come in already parsed and validated by the page
(numbers, shapes, names from fixed lists) and are written with ``repr`` or ``:g``. The handout's
own comments and ``print`` labels stay as the handout has them (English): code is not translated.
"""

from __future__ import annotations

from typing import Any

#: The copy to the GPU, as the handout writes it (shown, and run only where CUDA is available).
TO_GPU = """if torch.cuda.is_available():
    tensor = tensor.to('cuda')"""

ON_GPU = f"""{TO_GPU}
print(f"Device tensor is stored on: {{tensor.device}}")
print(torch.cuda.get_device_name(tensor.device))"""

PRODUCTS = """y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)

y3 = torch.rand_like(tensor)
torch.matmul(tensor, tensor.T, out=y3)
print(y1)
print("y1 == y2:", torch.equal(y1, y2), "| y1 == y3:", torch.equal(y1, y3), "\\n")

z1 = tensor * tensor
z2 = tensor.mul(tensor)

z3 = torch.rand_like(tensor)
torch.mul(tensor, tensor, out=z3)
print(z1)
print("z1 == z2:", torch.equal(z1, z2), "| z1 == z3:", torch.equal(z1, z3))"""

SINGLE_ELEMENT = """agg = tensor.sum()
agg_item = agg.item()
print(agg, "\\n")
print(agg_item, type(agg_item))"""


def from_data(data: Any) -> str:
    """``torch.tensor(data)`` and ``torch.from_numpy(np.array(data))`` (``data`` a nested list)."""
    return f"""data = {data!r}
x_data = torch.tensor(data)
print(f"x_data: \\n {{x_data}} \\n")

np_array = np.array(data)
x_np = torch.from_numpy(np_array)
print(f"x_np: \\n {{x_np}}")"""


def like(keep: str, override: str, dtype: str) -> str:
    """``torch.<keep>(x_data)`` keeping the dtype, ``torch.<override>(x_data, dtype=<dtype>)``."""
    return f"""x_ones = torch.{keep}(x_data)  # retains the properties of x_data
print(f"{keep}: \\n {{x_ones}} \\n")

x_rand = torch.{override}(x_data, dtype={dtype})  # overrides the datatype of x_data
print(f"{override}: \\n {{x_rand}}")"""


def constant_or_random(seed: int, shape: tuple[int, ...]) -> str:
    """``torch.rand``, ``torch.ones`` and ``torch.zeros`` of ``shape``, after ``manual_seed``."""
    return f"""torch.manual_seed({seed})
shape = {shape!r}
rand_tensor = torch.rand(shape)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)

print(f"Random Tensor: \\n {{rand_tensor}} \\n")
print(f"Ones Tensor: \\n {{ones_tensor}} \\n")
print(f"Zeros Tensor: \\n {{zeros_tensor}}")"""


def attributes(shape: tuple[int, ...], dtype: str) -> str:
    """A random tensor of ``shape`` and ``dtype``, and its shape, dtype and device."""
    return f"""tensor = torch.rand({", ".join(map(str, shape))}, dtype={dtype})

print(f"Shape of tensor: {{tensor.shape}}")
print(f"Datatype of tensor: {{tensor.dtype}}")
print(f"Device tensor is stored on: {{tensor.device}}")"""


def indexing(size: int, column: int, fill: float) -> str:
    """Rows and columns of ``torch.ones(size, size)``, then column ``column`` set to ``fill``."""
    return f"""tensor = torch.ones({size}, {size})
print('First row: ', tensor[0])
print('First column: ', tensor[:, 0])
print('Last column:', tensor[:, -1])
tensor[:, {column}] = {fill:g}
print(tensor)"""


def concatenation(copies: int, dim: int) -> str:
    """``torch.cat`` of ``copies`` times ``tensor`` along ``dim``."""
    return f"""t1 = torch.cat([{", ".join(["tensor"] * copies)}], dim={dim})
print(t1)
print(t1.shape)"""


def in_place(addend: float) -> str:
    """``tensor.add_(addend)``, printing the tensor before and after."""
    return f"""print(tensor, "\\n")
tensor.add_({addend:g})
print(tensor)"""


def numpy_view(length: int, step: int) -> str:
    """``t.numpy()`` shares the memory of ``t``: ``t.add_(step)`` changes ``n`` too."""
    return f"""t = torch.ones({length})
print(f"t: {{t}}")
n = t.numpy()
print(f"n: {{n}}")

t.add_({step})
print(f"t: {{t}}")
print(f"n: {{n}}")"""


def numpy_shared(length: int, step: int) -> str:
    """``torch.from_numpy(n)`` shares the memory of ``n``: ``np.add(..., out=n)`` changes ``t``."""
    return f"""n = np.ones({length})
t = torch.from_numpy(n)

np.add(n, {step}, out=n)
print(f"t: {{t}}")
print(f"n: {{n}}")"""


def numpy_copy(length: int, step: int) -> str:
    """``torch.tensor(n)`` copies: a later change of ``n`` does not reach the copy."""
    return f"""n = np.ones({length})
copy = torch.tensor(n)
np.add(n, {step}, out=n)
print(f"copy: {{copy}}")
print(f"n:    {{n}}")"""
