"""Building the one Bedrock Runtime client this process uses.

The SDK (0.12) defaults to an aiohttp transport that cannot do bidirectional streams, so we always pass
the awscrt one, forced to HTTP/2. Every Nova session of the process is a stream on that client's single
pooled HTTP/2 connection: no TLS handshake per call.

The embedded emulator serves TLS with a self-made CA. smithy-http has no TLS option, so
:class:`CATrustingCRTHTTPClient` replaces the private TLS context with one that trusts that CA (and only
it). Trusting it through ``SSL_CERT_FILE`` would also work, but would change trust for the whole process.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from aws_sdk_bedrock_runtime.client import AsyncBedrockRuntimeClient
from aws_sdk_bedrock_runtime.config import AsyncBedrockRuntimeConfig
from awscrt import io as crt_io
from smithy_http.aio.crt import AWSCRTHTTPClient, AWSCRTHTTPClientConfig


class CATrustingCRTHTTPClient(AWSCRTHTTPClient):
    """An awscrt transport whose TLS trusts exactly one CA file (the emulator's)."""

    def __init__(self, ca_file: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        opts = crt_io.TlsContextOptions()
        opts.override_default_trust_store_from_path(ca_filepath=ca_file)
        self._tls_ctx = crt_io.ClientTlsContext(opts)
        self._ca_file = ca_file

    def __deepcopy__(self, memo: Any) -> CATrustingCRTHTTPClient:
        # The base class would return a plain AWSCRTHTTPClient and lose the trust override.
        return CATrustingCRTHTTPClient(
            ca_file=self._ca_file, eventloop=self._eventloop, client_config=deepcopy(self._config)
        )


async def build_bedrock_client(
    *,
    region: str,
    endpoint_uri: str | None = None,
    ca_file: str | None = None,
    static_credentials: tuple[str, str, str | None] | None = None,
) -> AsyncBedrockRuntimeClient:
    """Create the process-wide client.

    ``static_credentials`` is used only for the emulator (which does not check signatures); for Bedrock
    the SDK's default identity chain (environment, profile, SSO, container, instance metadata) applies.
    """
    client_config = AWSCRTHTTPClientConfig(force_http_2=True)
    transport: AWSCRTHTTPClient
    if ca_file is not None:
        transport = CATrustingCRTHTTPClient(ca_file=ca_file, client_config=client_config)
    else:
        transport = AWSCRTHTTPClient(client_config=client_config)
    overrides: dict[str, Any] = {"region": region, "transport": transport}
    if endpoint_uri is not None:
        overrides["endpoint_uri"] = endpoint_uri
    if static_credentials is not None:
        key, secret, token = static_credentials
        overrides["aws_access_key_id"] = key
        overrides["aws_secret_access_key"] = secret
        if token:
            overrides["aws_session_token"] = token
    config = await AsyncBedrockRuntimeConfig.resolve(**overrides)
    return AsyncBedrockRuntimeClient(config=config)
