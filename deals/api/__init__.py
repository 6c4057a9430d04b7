"""The REST API of deals (``/api/v1/``): the top layer, beside the views. Each endpoint reads through
``deals.access`` and writes through the services, as the pages do; input is checked by the pages'
forms. What every endpoint shares (errors, pagination, ETag) is in ``negprep.api``."""
