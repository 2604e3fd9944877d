"""The ``preview`` provider and the animatic renderer it draws with.

:mod:`.provider` runs the provider's job cycle; :mod:`.animatic` renders one
request as an MP4. The registry (:mod:`storyboard._providers.registry`) imports
this package only when a preview is made.
"""

from .provider import MAX_DURATION, WORKERS, PreviewProvider, from_context

__all__ = ["MAX_DURATION", "WORKERS", "PreviewProvider", "from_context"]
