# Label-free fusion training: one round of the 'fusion_only' phase (fusion
# loss alone; the segmentation network never runs, no labels are read).
# Adam, lr poly-decayed as in the paper's fusion schedule. The checkpoint's
# fusion head loads into every SegMiF config (load_from, or the fusion
# head's init_cfg with prefix='fusion_head.'), so joint training can start
# from it; the same phase is the round-1 option of the alternating
# schedules (segmif_alt8r-fusion-only-r1.py).
_base_ = ['./segmif_alt8r.py']
fusion_iters = 2000
fusion_lr = 1e-4
train_cfg = dict(
    num_rounds=1,
    phases=[dict(phase='fusion_only', iters=fusion_iters)],
    val_interval=fusion_iters)
optim_wrapper = dict(fusion=dict(optimizer=dict(lr=fusion_lr)))
param_scheduler = dict(fusion=[
    dict(
        type='PolyLR',
        eta_min=fusion_lr * 1e-4,
        power=1.0,
        begin=0,
        end=fusion_iters,
        by_epoch=False)
])
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=fusion_iters // 4, max_keep_ckpts=2),
    visualization=dict(type='SegVisualizationHook', draw=False))
custom_hooks = [dict(type='ContextEntropyHook', interval=10)]
