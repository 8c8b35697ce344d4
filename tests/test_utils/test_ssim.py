import torch

from segmif_mm.utils import ssim_from_statistics


def test_formula_values_broadcast_and_gradients():
    gen = torch.Generator().manual_seed(0)
    stats = [
        torch.rand(2, 3, 5, generator=gen, dtype=torch.float64)
        for _ in range(5)
    ]
    mu_x, mu_y, var_x, var_y, cov = stats
    c1, c2 = (0.01 * 255)**2, (0.03 * 255)**2
    expected = ((2 * mu_x * mu_y + c1) *
                (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) *
                                   (var_x + var_y + c2))
    torch.testing.assert_close(
        ssim_from_statistics(mu_x, mu_y, var_x, var_y, cov, 255), expected)
    # one image against several; the inputs are left as they were
    before = [s.clone() for s in stats]
    one = ssim_from_statistics(mu_x, mu_y[:, :1], var_x, var_y[:, :1], cov, 1)
    assert one.shape == (2, 3, 5)
    assert all(torch.equal(s, b) for s, b in zip(stats, before))
    # in-place updates of its temporaries keep the gradients right
    assert torch.autograd.gradcheck(
        lambda *args: ssim_from_statistics(*args, 1.0),
        [s[0].clone().requires_grad_() for s in stats])
