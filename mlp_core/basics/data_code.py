"""The handout's section 1.2 snippets (data sets, DataLoader, a user's Dataset) as code.

Page 1.2 shows each of these texts and runs that very text (`mlp_core.basics.snippets`). Values
come in already validated by the page (ints, booleans, paths written with ``repr``). The handout's
``print`` labels stay as the handout has them (English): code is not translated.
"""

from __future__ import annotations

from pathlib import Path

#: A ``DataLoader`` over the user's ``dataset`` (the namespace of `custom_dataset`).
LOADER_OVER_DATASET = """loader = DataLoader(dataset, batch_size=4, shuffle=True)
images, labels = next(iter(loader))
print(f"images: {images.shape}, labels: {labels}")"""


def gallery(seed: int) -> str:
    """The handout's 3x3 loop over random ``training_data[sample_idx]`` (it plots them; here the
    loop collects ``samples`` for the page to draw), with a seeded generator."""
    return f"""generator = torch.Generator().manual_seed({seed})
cols, rows = 3, 3
samples = []
for i in range(1, cols * rows + 1):
    sample_idx = torch.randint(len(training_data), size=(1,), generator=generator).item()
    img, label = training_data[sample_idx]
    samples.append((sample_idx, img, label))
    print(f"{{i}}: [{{sample_idx:>5}}] {{labels_map[label]:<10}} {{tuple(img.shape)}}")"""


def first_batch(batch_size: int, shuffle: bool, seed: int) -> str:
    """A ``DataLoader`` over ``training_data`` and its first minibatch, as the handout iterates."""
    return f"""train_dataloader = DataLoader(training_data, batch_size={batch_size}, shuffle={shuffle},
                              generator=torch.Generator().manual_seed({seed}))
train_features, train_labels = next(iter(train_dataloader))
print(f"Feature batch shape: {{train_features.size()}}")
print(f"Labels batch shape: {{train_labels.size()}}")
print(f"Batches per epoch: {{len(train_dataloader)}}, the last one of "
      f"{{len(training_data) - (len(train_dataloader) - 1) * {batch_size}}} images")
img = train_features[0].squeeze()
label = train_labels[0]
print(f"Label: {{label}}")"""


def custom_dataset(annotations: Path, img_dir: Path, index: int) -> str:
    """The handout's ``CustomImageDataset`` over an annotations CSV and a folder; item ``index``."""
    return f"""annotations_file = {str(annotations)!r}
img_dir = {str(img_dir)!r}
dataset = CustomImageDataset(annotations_file, img_dir)
print(f"len(dataset): {{len(dataset)}}")
image, label = dataset[{index}]
print(f"image: {{image.dtype}} {{tuple(image.shape)}}, values {{image.min()}}..{{image.max()}}")
print(f"label: {{label}}")"""
