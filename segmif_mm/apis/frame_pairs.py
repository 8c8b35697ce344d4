"""Matched frames of an infrared and a visible video, or of two folders of
consecutive frames: the video inputs of :class:`SegMiFInferencer` and
``demo/video_demo.py``."""
import os.path as osp
from typing import Iterator, List, Optional, Tuple, Union

import cv2
import numpy as np

from segmif_mm.datasets import list_images, match_by_name

#: File suffixes read as videos (any letter case).
VIDEO_SUFFIXES = ('.mp4', '.avi', '.mov', '.mkv', '.m4v', '.webm')

Frame = Union[str, np.ndarray]


def is_video(path: object) -> bool:
    """Whether ``path`` is an existing file with a video suffix."""
    return isinstance(path, str) and osp.isfile(path) and \
        osp.splitext(path)[1].lower() in VIDEO_SUFFIXES


class FramePairs:
    """The frames of two registered sequences, matched in order.

    Two videos are read frame by frame in step (frame ``i`` of the infrared
    video with frame ``i`` of the visible video; OpenCV decodes them as
    B, G, R arrays). Two folders are paired by name with the package's one
    rule (:func:`segmif_mm.datasets.match_by_name`), in name order, so
    frames named ``000001.png`` ... are consecutive.

    A length mismatch is an error that names both lengths, unless
    ``common_prefix`` is set: then only the first frames of the two videos
    (the names of both folders) are used.

    Args:
        ir (str): Infrared video file or frame folder.
        vis (str): Visible video file or frame folder.
        common_prefix (bool): Use the frames both sequences have instead of
            raising on a length mismatch. Defaults to False.

    Attributes:
        fps (float | None): Frame rate of the visible video, None for
            folders.

    Raises:
        FileNotFoundError: A path does not exist or a video cannot be
            opened.
        ValueError: A video is paired with a folder, the lengths differ
            (without ``common_prefix``), or no frame pairs.
    """

    def __init__(self, ir: str, vis: str, common_prefix: bool = False) -> None:
        self.ir, self.vis = str(ir), str(vis)
        self.fps: Optional[float] = None
        if is_video(self.ir) and is_video(self.vis):
            counts = [self._count(path) for path in (self.ir, self.vis)]
            self.fps = self._fps(self.vis)
            self.folder_pairs: List[Tuple[str, dict]] = []
            unmatched = ''
        elif osp.isdir(self.ir) and osp.isdir(self.vis):
            counts = [
                len(list_images(path)[0]) for path in (self.ir, self.vis)
            ]
            matching = match_by_name(dict(ir=self.ir, vis=self.vis))
            self.folder_pairs = matching.matched
            unmatched = '; '.join(reason
                                  for _, reason in matching.problems[:3])
        else:
            raise ValueError(
                f'{self.ir} and {self.vis} must be two videos (suffix '
                f'{", ".join(VIDEO_SUFFIXES)}) or two folders of frames.')
        if (counts[0] != counts[1] or unmatched) and not common_prefix:
            raise ValueError(
                f'The infrared sequence {self.ir} has {counts[0]} frames and '
                f'the visible sequence {self.vis} has {counts[1]}'
                f'{"; " + unmatched if unmatched else ""}. Fuse only the '
                'frames both have with common_prefix=True (--common-prefix), '
                'or trim the longer one.')
        self.num_frames = min(counts) if self.fps is not None else len(
            self.folder_pairs)
        if not self.num_frames:
            raise ValueError(f'{self.ir} and {self.vis} have no matching '
                             'frames.')

    @staticmethod
    def _open(path: str) -> cv2.VideoCapture:
        capture = cv2.VideoCapture(path)
        if not capture.isOpened():
            raise FileNotFoundError(
                f'OpenCV cannot open the video {path}; check the file, or '
                'extract its frames into a folder (e.g. with ffmpeg).')
        return capture

    def _count(self, path: str) -> int:
        capture = self._open(path)
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        capture.release()
        return count

    def _fps(self, path: str) -> float:
        capture = self._open(path)
        fps = capture.get(cv2.CAP_PROP_FPS)
        capture.release()
        return fps

    def __len__(self) -> int:
        return self.num_frames

    def __iter__(self) -> Iterator[Tuple[str, Frame, Frame]]:
        """Yield ``(name, ir, vis)``: a frame folder's paths, or a video's
        decoded frames (uint8 B, G, R arrays) named ``frame_<index>``.

        Raises:
            ValueError: A video ends before its reported length.
        """
        if self.fps is None:
            for name, paths in self.folder_pairs:
                yield name, paths['ir'], paths['vis']
            return
        captures = [self._open(self.ir), self._open(self.vis)]
        try:
            for index in range(self.num_frames):
                frames = []
                for capture, path in zip(captures, (self.ir, self.vis)):
                    ok, frame = capture.read()
                    if not ok:
                        raise ValueError(
                            f'{path} ended at frame {index} although it '
                            f'reports {self._count(path)} frames; re-encode '
                            'it (e.g. with ffmpeg).')
                    frames.append(frame)
                yield f'frame_{index:06d}', frames[0], frames[1]
        finally:
            for capture in captures:
                capture.release()
