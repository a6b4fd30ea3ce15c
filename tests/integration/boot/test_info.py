"""cray.csm.ims_image_info, hsm_component_info and sls_network_info against the simulator."""
X86 = '4a5e5bd7-8f3c-4b3c-9d0e-1a2b3c4d5e61'


def t(task_name, module, **args):
    return {'name': task_name, module: args, 'ignore_errors': True}


def test_ims_image_info(csm_play):
    play = csm_play([
        t('by id', 'cray.csm.ims_image_info', id=X86),
        t('by name', 'cray.csm.ims_image_info', name='compute-csm-1.6-6.2.25-aarch64'),
        t('missing', 'cray.csm.ims_image_info', id='00000000-0000-4000-8000-000000000000'),
        t('both', 'cray.csm.ims_image_info', id=X86, name='x'),
    ], check=True)
    image = play['by id']['image']
    assert image['link'] == {'path': 's3://boot-images/%s/manifest.json' % X86,
                             'etag': '0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'type': 's3'}
    assert image['arch'] == 'x86_64' and play['by id']['changed'] is False
    assert play['by name']['image']['id'] == '7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e62'
    assert play['by name']['image']['arch'] == 'aarch64'
    assert play['missing']['image'] is None and play['missing']['images'] == []
    assert play['both']['failed'] is True and 'mutually exclusive' in play['both']['msg']


def test_hsm_component_info(csm_play):
    play = csm_play([
        t('on', 'cray.csm.hsm_component_info', xname='x3000c0s19b4n0'),
        t('off arm', 'cray.csm.hsm_component_info', xname='x3000c0s17b2n0'),
        t('unknown', 'cray.csm.hsm_component_info', xname='x1000c0s0b0n0'),
        t('bad', 'cray.csm.hsm_component_info', xname='node1'),
    ])
    assert play['on']['powered_on'] is True and play['on']['arch'] == 'x86_64'
    assert play['on']['component']['Role'] == 'Compute'
    assert play['off arm']['powered_on'] is False and play['off arm']['arch'] == 'aarch64'
    assert play['unknown']['component'] is None and play['unknown']['powered_on'] is False
    assert play['bad']['failed'] is True and 'Not a node xname' in play['bad']['msg']


def test_sls_network_info(csm_play):
    play = csm_play([
        t('nmnlb', 'cray.csm.sls_network_info', name='NMNLB'),
        t('missing', 'cray.csm.sls_network_info', name='NOPE'),
    ])
    unbound = play['nmnlb']['reservations']['unbound']
    assert unbound['IPAddress'] == '10.92.100.225' and unbound['Subnet'] == 'nmn_metallb_address_pool'
    assert play['nmnlb']['network']['Name'] == 'NMNLB'
    assert play['missing']['failed'] is True
    assert 'SLS has no network NOPE; it has: NMN, NMNLB.' == play['missing']['msg']
