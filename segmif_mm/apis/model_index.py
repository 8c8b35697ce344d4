"""The model zoo: ``model-index.yml`` and the metafiles it imports.

The files follow OpenMMLab's metafile schema (``Collections`` and
``Models`` with ``Name``, ``In Collection``, ``Config``, ``Metadata``,
``Results``, ``Weights``), so ``mim search segmif_mm`` lists the models.
Paths in them (``Config``, ``Weights``) are resource paths
(:func:`segmif_mm.utils.find_resource`): shipped in the installed package,
or in the clone. A model without shipped weights has ``Weights: null``; a
model never trained here has ``Results: null``.
"""
from pathlib import Path
from typing import Dict, List

from mmengine.fileio import load

from segmif_mm.utils import find_resource

MODEL_INDEX = 'model-index.yml'


def metafiles() -> List[Path]:
    """The metafiles that ``model-index.yml`` imports, in order.

    Raises:
        FileNotFoundError: The index or a metafile is missing.
    """
    index = find_resource(MODEL_INDEX)
    paths = [index.parent / name for name in load(str(index))['Import']]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise FileNotFoundError(f'{index} imports missing metafiles: '
                                f'{missing}.')
    return paths


def load_model_index() -> Dict[str, dict]:
    """Every model of the model zoo by name.

    Returns:
        dict[str, dict]: The model entries as written in their metafile
        (``Name``, ``In Collection``, ``Config``, ``Metadata``, ``Results``,
        ``Weights``), in metafile order.

    Raises:
        ValueError: Two models share a name.
    """
    models: Dict[str, dict] = {}
    for path in metafiles():
        for model in load(str(path))['Models']:
            if model['Name'] in models:
                raise ValueError(f'Model {model["Name"]} of {path} is '
                                 'defined twice in the model index.')
            models[model['Name']] = model
    return models


def get_model_info(name: str) -> dict:
    """One model of the zoo by name.

    Raises:
        KeyError: No such model; the message lists the names.
    """
    models = load_model_index()
    if name not in models:
        raise KeyError(f'No model {name!r} in the segmif_mm model index; '
                       f'known: {sorted(models)}.')
    return models[name]


def get_model_by_weights(weights: str) -> str:
    """Name of the one model of the zoo whose ``Weights`` is ``weights``.

    Args:
        weights (str): A resource path, e.g.
            ``'checkpoints/segmif_fusion_mit-b3_roadscene_fp16.pth'``.

    Raises:
        KeyError: No model, or several, ship these weights.
    """
    names = [
        name for name, model in load_model_index().items()
        if model.get('Weights') == weights
    ]
    if len(names) != 1:
        raise KeyError(f'{len(names)} models of the segmif_mm model index '
                       f'ship {weights} ({names}); exactly one must.')
    return names[0]
