# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The errors of the CSM API client (session.py); CsmModule.api_errors turns each into fail_json.

Private to cray.csm (its modules and plugins use it); not a public API.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class CsmError(Exception):
    """Base of every error the client raises; modules turn it into fail_json."""

    def to_dict(self):
        return {'msg': str(self)}


class CsmOptionError(CsmError):
    """A connection option that cannot work (a gateway URL without http:// or https://): refused before any request."""


class CsmApiError(CsmError):
    """An HTTP error answer, with the RFC 7807 problem fields when the service sent them."""

    def __init__(self, method, path, status, title=None, detail=None, body=None):
        self.method, self.path, self.status = method, path, status
        self.title, self.detail, self.body = title, detail, body  # the RFC 7807 problem, when there is one
        super(CsmApiError, self).__init__(self._message())

    def _message(self):
        msg = '%s %s failed with HTTP %s' % (self.method, self.path, self.status)
        if self.title:
            msg += ' %s' % self.title
        if self.detail:
            msg += ': %s' % self.detail
        return msg

    @property
    def not_found(self):
        return self.status == 404

    def to_dict(self):
        return dict(method=self.method, path=self.path, status=self.status, title=self.title,
                    detail=self.detail)


class CsmResponseError(CsmError):
    """A 2xx answer that is not the JSON the endpoint promises (a proxy's login page, an empty body)."""

    def __init__(self, method, url, status, content_type, problem):
        self.method = method
        self.url = url
        self.status = status
        self.content_type = content_type
        super(CsmResponseError, self).__init__(
            '%s %s answered HTTP %s with Content-Type %s: %s, not the answer the CSM API promises. Is a proxy '
            'or login page in the way? Check api_gateway and the proxy settings (https_proxy, no_proxy).' % (
                method, url, status, content_type or '(none)', problem))

    def to_dict(self):
        return dict(msg=str(self), method=self.method, url=self.url, status=self.status,
                    content_type=self.content_type)


class CsmAuthError(CsmError):
    """No usable token: Keycloak refused the client credentials, or a given token was rejected."""


class CsmConnectionError(CsmError):
    """The gateway could not be reached (after retries), or TLS verification failed."""


class CsmTimeout(CsmError):
    """A wait ran out of time; `last` holds the last state seen."""

    def __init__(self, message, last=None):
        super(CsmTimeout, self).__init__(message)
        self.last = last

    def to_dict(self):
        return {'msg': str(self), 'last': self.last}
