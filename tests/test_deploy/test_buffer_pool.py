import torch

from segmif_mm.deploy import BufferPool


def test_the_returned_buffer_is_lent_again():
    pool = BufferPool()
    like = torch.zeros(1)
    with pool.buffer((2, 3), like) as first:
        assert first.shape == (2, 3) and first.dtype == like.dtype
    with pool.buffer((2, 3), like) as second:
        assert second.data_ptr() == first.data_ptr()
        # lent out: a concurrent request gets a buffer of its own
        with pool.buffer((2, 3), like) as third:
            assert third.data_ptr() != second.data_ptr()
    assert len(pool.kept) == 1


def test_other_shapes_dtypes_and_inference_tensors_get_new_buffers():
    pool = BufferPool()
    like = torch.zeros(1)
    with pool.buffer((4, ), like) as first:
        pass
    with pool.buffer((4, ), like.double()) as other_dtype:
        assert other_dtype.dtype == torch.float64
    with pool.buffer((4, ), like) as again:
        assert again.data_ptr() != first.data_ptr()  # only one is kept
    with torch.inference_mode():
        with pool.buffer((4, ), like) as inference:
            assert inference.is_inference()
    pool.release()
    assert pool.kept == {}
