from .alternating_train_loop import AlternatingTrainLoop, PhaseSpan

__all__ = ['AlternatingTrainLoop', 'PhaseSpan']
