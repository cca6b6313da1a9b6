"""The OpenStackClient plugin: ``openstack microscope ...`` commands that
talk to the Microscope REST API through keystoneauth (the ``openstack``
session: Keystone auth with the catalog's ``microscope`` service, or
``--os-auth-type none --os-endpoint URL`` for an API in noauth mode)."""
