"""Image folders matched by file name, as the fusion tools read them."""
from pathlib import Path
from typing import Dict, List, Mapping

#: Suffixes (case-insensitive) taken as images.
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')


def list_images(folder: str, option: str) -> Dict[str, Path]:
    """Images of a folder (not recursive) keyed by file name without suffix.

    Args:
        folder (str): The folder.
        option (str): Name of the option or argument that gave the folder,
            used in error messages (e.g. ``'--ir'``).

    Returns:
        dict[str, Path]: Path of every image with a suffix in
        ``IMAGE_SUFFIXES``, sorted by name.

    Raises:
        FileNotFoundError: ``folder`` is not a folder or holds no image.
        ValueError: Two images share a name (e.g. ``a.png`` and ``a.jpg``).
    """
    path = Path(folder)
    if not path.is_dir():
        raise FileNotFoundError(f'{option} {folder} is not a folder.')
    images: Dict[str, Path] = {}
    for file in sorted(path.iterdir()):
        if not file.is_file() or file.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        if file.stem in images:
            raise ValueError(
                f'{option} {folder} has two images named {file.stem}: '
                f'{images[file.stem].name} and {file.name}; keep one.')
        images[file.stem] = file
    if not images:
        raise FileNotFoundError(
            f'{option} {folder} has no images ({", ".join(IMAGE_SUFFIXES)}).')
    return images


def match_by_name(folders: Mapping[str, Mapping[str, Path]]) -> List[str]:
    """Names present in every folder, or an error listing the others.

    Args:
        folders (Mapping[str, Mapping[str, Path]]): Per option name (e.g.
            ``'--ir'``), the output of :func:`list_images`.

    Returns:
        list[str]: The common names, sorted.

    Raises:
        ValueError: A name is missing from some folder.
    """
    names = set().union(*(set(images) for images in folders.values()))
    unmatched = []
    for option, images in folders.items():
        missing = sorted(names - set(images))
        if missing:
            shown = ', '.join(missing[:10])
            more = f' (+{len(missing) - 10} more)' if len(missing) > 10 \
                else ''
            unmatched.append(f'missing in {option}: {shown}{more}')
    if unmatched:
        raise ValueError(
            'Images are matched by file name without suffix, but these '
            f'names are not in all of {", ".join(folders)}: ' +
            '; '.join(unmatched) + '.')
    return sorted(names)
