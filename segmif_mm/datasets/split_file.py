"""The split files of the datasets: one sample name per line."""
from typing import List, Optional

import mmengine.fileio as fileio


def read_split_file(path: str,
                    dataset: str,
                    without: str,
                    backend_args: Optional[dict] = None) -> List[str]:
    """Sample names of a split file, one per line as in mmseg's
    ``ann_file``: names without suffix, relative to the data folders;
    surrounding white space and blank lines are dropped.

    Args:
        path (str): The split file.
        dataset (str): The dataset class, for the error message.
        without (str): What ``ann_file=''`` would use instead, for the
            error message (e.g. ``'use every pair'``).
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None.

    Returns:
        list[str]: The names, in file order.

    Raises:
        FileNotFoundError: The file does not exist.
    """
    if not fileio.exists(path, backend_args=backend_args):
        raise FileNotFoundError(
            f'Split file {path} of {dataset} does not exist. Check '
            f"`data_root` and `ann_file`, or set `ann_file=''` to {without}.")
    lines = fileio.list_from_file(path, backend_args=backend_args)
    return [line.strip() for line in lines if line.strip()]
