# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python bindings for liblcont, the embeddable container library.

    import lcont
    with lcont.Context() as ctx, ctx.create("web", "/path/to/bundle") as c:
        c.start()
        print(c.wait())
"""
from ._errors import Error
from .console import ConsoleSocket
from .container import Container, Status
from .context import Context, LogLevel, has_feature, version
from .image import Image, ImageBundle, ImageMount, ImagePhase, ImageProgress, ImageStore
from .process import Process
from .service import (Endpoint, EndpointPick, EndpointPort, Picker, Protocol, Service,
                      ServicePort, ServiceTable, ServiceType, TrafficPolicy, selector_matches)
from .spec import features, generate_spec, spec_from_image, validate_spec

__version__ = "0.2.0"

__all__ = ["Context", "Container", "Process", "Status", "LogLevel", "Error", "version",
           "has_feature", "generate_spec", "validate_spec", "features", "spec_from_image",
           "ImageStore", "Image", "ImageMount", "ImageBundle", "ImageProgress", "ImagePhase",
           "ServiceTable", "Service", "ServicePort", "Endpoint", "EndpointPort",
           "EndpointPick", "Protocol", "Picker", "ServiceType", "TrafficPolicy",
           "selector_matches", "ConsoleSocket", "__version__"]
