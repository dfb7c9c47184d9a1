"""Stage 05 validation, the pure parts: metrics (ΔE2000, PSNR, SSIM, detail, grain, flicker),
traditional spatial baselines, evaluation of candidates against the reference, outliers.

Never imports nuke, Qt or torch.
"""
