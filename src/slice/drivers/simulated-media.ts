/**
 * The simulated phone's media: one of each kind the panel shows (a photo with a caption
 * and WhatsApp's thumbnail, a voice note, a sticker, a document, and a video larger than
 * the default media limit), with downloadable bytes. The stand-in Client serves them the
 * way whatsapp-web.js 1.34.7 does (`type`, `hasMedia`, `_data`, `downloadMedia()`), so
 * the one driver maps them in every simulated test and demo.
 *
 * The images are real (a 64×48 JPEG thumbnail, a 480×360 JPEG photo, a 128×128 WebP
 * sticker, drawn once in Chromium); the other files are bytes of the stated size that
 * begin like their format.
 */
import type { ChatMessage } from '@shared/types';
import type { SimulatedChat } from './simulated';

/** One media file as WhatsApp Web holds it: what `_data` states, and the file. */
export interface SimulatedMediaFile {
  /** whatsapp-web.js `MessageTypes` value. */
  type: 'image' | 'ptt' | 'sticker' | 'document' | 'video';
  mimetype: string;
  /** Bytes, as `_data.size` states it (and as the file is). */
  size: number;
  /** Seconds (`_data.duration`). */
  duration?: number;
  filename?: string;
  caption?: string;
  /** `_data.body` of an image or video: WhatsApp's JPEG thumbnail, base64. */
  thumbnail?: string;
  /** The file, built when it is downloaded. */
  bytes(): Buffer;
}

export const SIM_THUMBNAIL_JPEG =
  '/9j/4AAQSkZJRgABAQAAAQABAAD/4gHYSUNDX1BST0ZJTEUAAQEAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AABAAEAAAAAAABhY3NwAAAAAAAAAAAAAAAA' +
    'AAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAA' +
    'ACRyWFlaAAABFAAAABRnWFlaAAABKAAAABRiWFlaAAABPAAAABR3dHB0AAABUAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAAAChjcHJ0' +
    'AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAA' +
    'AAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBhcmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAM' +
    'ZW5VUwAAACAAAAAcAEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADb/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERX' +
    'RTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2Nj' +
    'Y2P/wAARCAAwAEADASIAAhEBAxEB/8QAGwAAAQUBAQAAAAAAAAAAAAAABQABAgMEBgf/xAAqEAABAwIDCAEFAAAAAAAAAAABAAIDBBEFEiEGEyIxMkFRYaEz' +
    'QnGBkf/EABkBAQADAQEAAAAAAAAAAAAAAAIBAwQABv/EAB4RAAMBAQABBQAAAAAAAAAAAAABAhEDIQQSEyJB/9oADAMBAAIRAxEAPwC4lQJTkqBKypHnUhiV' +
    'AlOSoEppCSGJSEUrmF7Y3lo+4NNlswamZV4pFFLqzVxHmwvZdw1rWNDWgNaNAANArEjZx9P8i3TzQlQJR/a2kip6qKWJobvgczQLC4tr8rniUsK6hxTlhQlQ' +
    'JSJVUsjY2F7zZoVCRnSGllZGAXuAubBMSgdVUOqZcx0aOkeEQoqjfQ5XHjbofat9uGiuTmdN9LVPpKmOeI8TDf8APpdOzauiMWaSOZr+7QAf4brkCVikrQ2Y' +
    'NAu0cypQ+N3PiQvjGJvxOr3pbkY0ZWMvewQ0lPmBFwbgqBKSC229YTc4AEk2A7oHXVZqJMrfpt5e/auxGs3hMMZ4R1Hyh6EznkfHln2YlZBKYZQ8fseQq0kz' +
    'Q1vg3VdWC3JEeY1KwpJLiJlSsRfTz5Dld0n4WklD1dDLbhdy7KUC4/Uf/9k=';
const PHOTO_JPEG =
  '/9j/4AAQSkZJRgABAQAAAQABAAD/4gHYSUNDX1BST0ZJTEUAAQEAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AABAAEAAAAAAABhY3NwAAAAAAAAAAAAAAAA' +
    'AAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAA' +
    'ACRyWFlaAAABFAAAABRnWFlaAAABKAAAABRiWFlaAAABPAAAABR3dHB0AAABUAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAAAChjcHJ0' +
    'AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAA' +
    'AAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBhcmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAM' +
    'ZW5VUwAAACAAAAAcAEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADb/2wBDAAoHBwgHBgoICAgLCgoLDhgQDg0NDh0VFhEYIx8lJCIfIiEmKzcvJik0' +
    'KSEiMEExNDk7Pj4+JS5ESUM8SDc9Pjv/2wBDAQoLCw4NDhwQEBw7KCIoOzs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7' +
    'Ozv/wAARCAFoAeADASIAAhEBAxEB/8QAGwABAQACAwEAAAAAAAAAAAAAAAEFBgMEBwL/xAA6EAEAAgECAgYHBgUFAQEAAAAAAQIDBBEFIQYSEzFRYRQiIzJB' +
    'cZEHQlKhscEzQ2KB0RUWNJKi8eH/xAAaAQEBAAMBAQAAAAAAAAAAAAAAAQIDBQQG/8QAJREBAQACAQQBBQEBAQAAAAAAAAECAxEEEiExEwUiQWGBQjJx/9oA' +
    'DAMBAAIRAxEAPwDvIqOY+BEAUQRQBBRAVUBAEVFUQQAEVRAUEAVARVEVAQEVQEUEAVARVARQQBUBFUQAEEVQEAQFUQFVEVAEBVQEUAQUQFVs4I5znCAogAqI' +
    'qKCAKgIqgIAgKqAigioKIIoAgogKogKIioKICqgIAioqiCKoCAIqKogAiKiqIACCKoCKogAIIqiKigggraARznOEBVEEARUVRAUQEFEBQQQUBFURUUEAVEVF' +
    'UQAEEVRFRVEABBFURUAQRVARQQBRBFUBAEVFVARQRUFEBQQQUBFUQAbOio57nCKgqAiqIqKCAKIIoIqCiAqoCAICqIIqgIAioqoCAIqKogKICCiAqiACDYOB' +
    '9DuI8Yiua8ejaWefa3jnaP6Y+P6N64X0S4RwuK2pp4z5Y/m5vWn6d0fRnMbXu0dFt2+fUeW6Xhuu1v8AxdHnzR448czH1ZGnQ/pBkiJrw28b/ivWv6y9biIi' +
    'NojaIVl2Pfj9Mw/1lXkWTod0gxxM24bedvw3rb9JY3VcN1+i/wCVo8+CPHJjmsfV7ekxExtMbxJ2rl9Mw/zlXg49d4p0Q4PxWLWvpowZp/m4fVn6d0/RoXHu' +
    'hvEeDRbNSPStLHPtccc6x/VHw+fclxseDd0W3V59xryAPGIIKAiggCoCKogAICq2cEc5zhAVUBAEVFUQQAEVRAUEAVARVEVAQEVQEUEAVARVARQQBUBFUQAG' +
    '+dFOhla1pxDiuOLWmOti09o5R52j9vq6nQbo5XV5I4tq6ROHHbbDSY960fe+Ufr8nobZjj+XZ6Ho5Z8uf8SI2jaFBsdkAAAASY3jaVAaJ0t6E1tW/EeEYora' +
    'I62XT1jlPnWP2+jz574846e9Gq6PL/q+jpEYclts9IjlW0/e+U/r82Njj9b0kk+TD+tJBEckBBRAVRBAEVFUQQG0IqOe5wgCoCKoCAICqgIoIqCiCKAIKICq' +
    'ICiIqCiAqoCAIqKogiqAgDs8N0OXifEcGiw+9mvFd/CPjP8AaObrNy+znQRk12q19o/g0jHT527/AMo/NlJzW/p9Xy7Zg3zS6bFotLi02CvVx4qxWseUOYG5' +
    '9VJxOIACgAAAAADh1elw67SZdLnr1sWWs1tHlLmBLOfFeGcT0GXhfEs+ize/hvNd/GPhP942l1G7/aZw+MWv0vEKR/HpOO/zr3T9J/Jo7B8zv1/HsuIiorSI' +
    'IKAigioKICq2dFRznOEBRAQUQFBBBQEVRFRQQBURUVRAAQRVEVFUQAEEVRFQBBFUBFB6d9n+Dsujfabc82a1t/ltX9nmD1foRt/tPR7eOTf/AL2ZYe3S+mzn' +
    'df8AxnwG19AAAAAAAAAAA1T7RdP23RntdueDPW2/z3r+7yt67082/wBn6zfxx7f96vIWNcL6hON38AQeAQAQEVRAVRBAbQio57nCAKIIoIqCiAqoCAICqIIq' +
    'gIAioqoCAIqKogKICCiAqiACAiqPTvs+z9r0b7Pfnhz2r9dp/d5i3P7ONfGPXarQXn+NSMlPnXv/ACn8mWPt7ugz7d8/fh6GA2vowAAAAAAAAAGqfaNqOy6M' +
    '9nvzzZ6V2+W9v2eVN4+03iEZdfpeH0n+BScl/nbuj6R+bRmNfP8AW5926/oQB4xAVUBFURUAQFVs6KjnOcIIACKogKCAKgIqiKgICKoCKCAKgIqgIoIAqAiq' +
    'IACCKoCAOzwzX5OGcSwa3F72G8W28Y+Mf3jeHVFZS2XmPctLqcWs0uLU4LRbHlrFqz5S5nnPQTpLXSZf9J1l4jDktvhvaeVLT935T+vzejNsvL6jp903YTKf' +
    '0AVvAAAAAAHDq9Vh0Wky6rPbq4sVZtafKHM816f9J66zL/pGiyRbBitvnvWeV7R935R+vyGjfumnDurU+KcQy8U4nqNdm9/NebbeEfCP7RtDqCMXzdtt5oio' +
    'oIIACKogKoggNoBHOc4QFVARQRUFEEUAQUQFUQFERUFEBVQEARUVRBFUBAEVFUQARFRVEABv3RPptSaU4dxfLFbRHVxai08p8rT+/wBWgIyl4b9O7PTl3Yve' +
    'omJjeOcK8l4D0z4jwWK4bz6VpY5dleedY/pn4fLub7wvpjwXilaxXVRp8s/y8/qz/ae6fqzld7T1mrbPfFZ0SJiYiYneJ+Kq9YCTMREzM7RHfMgqTMRG8ztE' +
    'MFxTpnwXhdbRbVRqMsfysHrz/ee6Pq8/4/004jxuLYKT6LpJ/lY552j+qfj8u5OXk3dXr1/nmtg6X9OaxTJw3g+WLWtHVy6ms8o8qz+/0eeCI4m7dlty7sgE' +
    'VpEVBRAVUBFBFQUQRVbQgOc5oggoCKoiooIAqIqKogAIIqiKiqIOvrdZj0OnnLfnPdWv4pJFkuV4jh4pxGugw+rtOa/uV8POX3w/WRrdJXL96OV48JapqNRk' +
    '1We2bLO9rfl5O1wnXehauOtPsr8r+Xm3dnh0Mulk1ePbakNxqc8QRVARQQBRBFUBAEVFVARQRUFdrS8T1+h/4mtz4I8MeSax9GRx9NOkWOIivE7zt+KlLfrD' +
    'BitmOzPH/m2M3k6adIskTFuJ3jf8NKV/SGN1fFNfrv8Al63PnjwyZJtH0dVFW7M8vdtAQYCACAiqICqIIACKogKoggNoRUc5zhAVUBAEBVEEVQEARUVUBAEV' +
    '82tWlZtaYisRvMz8FV8Z8+PTYbZcttq1jm1LXa3JrtROS/Kscq18Ic3FeJW12bq0mYw0n1Y8fN0G/DHjy63TaOyd2XsAbHrbHwTXdvp/R7z7TFHLzqybTtNq' +
    'L6XUUzU76z3eMeDbsOamfDTLjneto3hpznFcrqdXZl3T1X2gMHlQEVRFRRAQUBFUQFBBBQEUEAVARVEABAVUBFURUAQFVAQBAVRBAbQgOe5wgCoCKoioCAiq' +
    'AiggCoCKo1zjXFPSLTpsFvZVn1rR96f8OxxvinUidJgt608slo+HkwDdhj+a6PS6P95fwAbXQAAGW4HrezyTpbz6t53p5T4MSRM1mJidpjnEwlnMa9mEzxuN' +
    'bqjq8P1kazS1vPv15XjzdlocbLG43igIIICqICqiKgCAqoCKAIKPm1q0rNrTtERvMysztG890MJxHXTqLdnjn2cf+lkbdeu53hma2resWrO8TG8TCsJw/XTp' +
    '7dnkn2c/+ZZrfeN47lNmu4XgRUGAggAIqiAqiCAAiqIAICKraEVHOc4QRQBBRAVRAURFQUQFVGN4vxONHi7LFPtrxy/pjxc/EdfTQafrTtOS3KlfGf8ADUsu' +
    'W+bLbJktNrWneZlswx5817Om0d97svT5mZmZmZ3me+ZAb3VAAAAAAdvhusnR6qLTPs7cr/LxbRExMbxO8S0xnuC63tcPo959fHHq+cf/AI15T8vD1Wrmd8ZR' +
    'FRg8AgAIIqgIqiAAgiqIrGcS1/UicGKfWn3rR8PJWeGFzvEcXEtf15nBin1Y960fHyY0GTqYYTCcQZHh2u6kxgyz6v3bT8PJjhTPCZzitmRj+Ha7rxGDLPrf' +
    'dmfj5Mgxc3PC4XiiArFARQRUFEEVQEAQFVAQVtCKjnuaIAqIqKogAIIqiKiqODV6rHo9PbNlnlHdHxmfByZctMOK2TJaK0rG8zLUuI6++v1HWneMdeVK+Ef5' +
    'Z448vRo03Zl+nFq9Vk1motmyzznuj4RHg4Qeh2JJJxAAUAAAAAAcmDNfT5q5aT61Z3+bjBLOZxW24M1NRhrlpPK0b/JyMDwbWdll9HvPqZJ9XylnWmziuRt1' +
    '/HlwIqDWgIoIqCiAoIOprtbXS49o2nJb3Y8PNWeONyvEcfEdd6PXssc+0mP+rCTO87ytrWvabWmZmZ3mZRlI6evXMJwAK2gAETtO8MxoNb29ezyT7SP/AEw6' +
    '1tNbRas7THOJGvZrmc4bGjraPVxqce08sle+PHzdhHOyxuN4oCKggKoggCKiqIAICKraEBznOEEVQEARUVUBAEmYiJmZ2iO+ZVr3G+KdpM6TBb1Y5ZLR8fJl' +
    'jjzW3VruzLiOvxfic6zL2WKdsFJ5f1T4saD0ycTh2sMJhj2wAVmAAAAAAAAAARMxO8cphsvDtXGr00WmfaV5W/y1p2dBq50mpi/3J5WjyY2ctG/X34+PbZkI' +
    'mLRExO8T3SMHKEEFARQQcWo1FNNinJee7ujxkZSW3iPjV6umlxdaedp92vi1/LlvmyTkvO9pfWoz31OWcl55z3R4Q42cjpadUwn7AFbwAAAAAH1jyWxXi9J2' +
    'mGa02prqcfWjlaPejwYNyYc18GSL0n5x4jTt1zOftnRx4c1M+OL0n5x4PseCyy8UQFBBAEVFUQFUQQG0IqOc5yAiqAiggCoDH8V4lXQ4erSYnNePVjw81k5r' +
    'PDG53tjr8a4p6PWdNgt7W0etaPux/lri2ta9ptaZm0zvMz8UenHHiO1q1TXjxABk2gAAAAAAAAAAAAAM1wfWdfH6NefWpzr5wybVcWW2HLXJSdrVneGy4M9d' +
    'Rhrlp3Wju8GFjndRr7cu6eq5ARHlAfN71pWbWmIiI3mZFfOXLTDjnJedqw1/V6q+ry9a3Kse7Xwfeu1ttXk2jeMdfdjx83VZyOjo09k5vsAV6QAAAAAAAAAH' +
    'LptRbT5OtHOJ748WZpkrlpF6TvEsC59Jqp099p50nvj9xo26u7zPbMIVtFqxas7xPdIrwoCKoioKICiAiq2hAc5zhAURFQUQcWp1GPS4LZsttq1/PyVZLbxH' +
    'Fr9dj0OnnJfnaeVa+MtSz58mpzWy5bb2tPNya3WZNdqJy35R3Vr+GHXejDHiOx0+ma559gDN6QAAAAAAAAAAAAAAABkOE6vsc3Y3n1Mk8vKWPEYZ4zPHitsR' +
    '1OH6v0rTx1p9pTlbz83aYOTljcbxSZiI3nkwfEdf6Rbssc+yj/1Lk4nr+vM4MM+rHvWj4+TGspHt0aePuyAGT2AAAAAAAAAAAAAAO1o9X2NupefUn8mT33YJ' +
    '3dFq+rtiyTy+7Pgsebdq5+6O+CK8oCKCAqoCA2hAc5zhBFURUmVV83vXHSb3tFa1jeZn4NU4pxG2vz8t4w09yvj5y5+M8U9KvOnw29jWecx96f8ADFN2GPHm' +
    'up02jtnfl7AG17QAAAAAAAAAAAAAAAAAAAHPo9TOl1EX+7PK0eMO/wAR4jEV7HBbebR61o+EMSJw1ZascsplQBW0AAAAAAAAAAAAAAAAAB39HqutEYsk8/uz' +
    '4u4wncyOl1Pa16l59ePzZSvJt18fdHZRUZPOIIKAiq2hFRznOQEAYLjfFNutpMFufdktH6OzxjinomPscM+2tHf+CPH5tYmd53luwx/NdDpdHP35fwAbnSAA' +
    'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACJmsxMTtMADJ6bURmptPK8d8OViKXtS0WrO0wyeHNXNTeOUx3x4M5Xj2a+3zPTkQRk0gIK2hAc5zkd' +
    'LifEaaDBvynLb3K/v8nNrNZj0WnnNknyrHxtPg1DVanJq89s2Wd7T8PhEeDZhjy9fT6PkvN9PjJkvlyWyXtNrWneZn4vkHodcAAAAAAAAAAAAAAAAAAAAAAA' +
    'AAAAAAAAAAAAAAAAAAAAAAAAAfWPJbFeLV/+vkEs5ZTHkrlpFq//AB9MbhzWw33ju+MMhW8XrFqzvEtkvLx7MO2/pQRkwbQ482bHp8VsuS3VpWN5l92tFaza' +
    '0xERG8zPwarxbic67L1MczGCk8o/FPi8GOPdXk06bsy4/Dg4hr8mv1E3typHKlfCHVB6JOHZxxmM4gArIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' +
    'AAAAAAAAAAAcuDPOK3PnWe+HECWSzispExMRMTvEjpafP2c9W3uz+TubtsvLx54XGubjfFO2tOlwW9nE+vaPvT4fJhgaMZxHo1YTDCSADJtAAAAAAAAAAAAA' +
    'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAHY0+fb1LTy+EgsvFY5SWeX/2Q==';
const STICKER_WEBP =
  'UklGRrQLAABXRUJQVlA4WAoAAAAwAAAAfwAAfwAASUNDUMgBAAAAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AABAAEAAAAAAABhY3NwAAAAAAAAAAAAAAAA' +
    'AAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAA' +
    'ACRyWFlaAAABFAAAABRnWFlaAAABKAAAABRiWFlaAAABPAAAABR3dHB0AAABUAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAAAChjcHJ0' +
    'AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAA' +
    'AAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBhcmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAM' +
    'ZW5VUwAAACAAAAAcAEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADZBTFBIzgMAAA2gRtva8braX1LbRsZIxqlt27Ztu0ntNqlt2743tW33IKmtg2Hm' +
    '3/3e732f5/pHREwA/p8xnc1qs1rSp0mTOiOCwyPCQ994vB5vGBMpqzdsmAt/NGOa1GnSW2xWm/WT2305ljpbk4blIb5go0Zlr7nPeujK1KF9LhidunajWu/2' +
    'Hf1FUabW7UtAziS1OzR9tO9QKDFam36QOUntDtnX/EZJ0u5jIX1VR17XvgQqKq2BksXthYddIyGzqxBULbYqYGyoelVWQmGtz4iB1xUzT60JtfPuPD8nQaU8' +
    'O6G8eWqNrh/U6WIHhVVXTzmmir0YaMy45e4cNeZpIHO2b4oKq0Hp5OzD5FsNWocWGCabE9QOzTJdrpHJycG076tl6lgOBK84c0KeGn1BsWnvmouy5F8GmlPs' +
    'GvxVDm0fqM64optPimmgu26VGTLUrkIYppy+Y1yypaDctKVfrGETQXvBxouNytOVOEzc/sGglaA+7bSxxjRMTh46fL9gyBww6LIb0RIcls1yygAHC3A4xdUE' +
    'jzW0S8KmMwGHU1SWwlzUf/RNUFdwqXXaLagnG+i5VUxJ8FlCeySkJyPouFdITU4anhKRMQ8nxT7+ElADnJqqXhFQkxXUvPTnw1SYl6IvEnX5gVezNVBXQWZQ' +
    '0J87yxvuCvrrysGN5Y2uDNykiNaV4q9WhhBdGf7y8R+dgpkQ9qL1hWT4ixWiLzoFd28szHzR51+QGf+/HwKtZlYSg/QlvijKylMIvFSTlUt/Ri5XMzESc0NE' +
    '8IdijNyC0KMtGbkkZkdXjQ3fdjHen+XZuAPBezuysVfU7k4aE3H7RX3zr87EBQh3OphwijuVpSwLt6PEYc4kFpww8GhhPwaCnhsBu4uB8TD0aMoG5J2OMgaj' +
    'FpqJSxgNg1+eH0rcShg+eURW0n4sNS589HrS+kDCo29HELYMUo7rWYSsu/vkiOuyNRVRkT0g6YtVq4gaAmm3frWTNAMSO7KMJcgVJRPG+fUjZ+kXyD2gbD9i' +
    'Nj+F5L4B2WeRMu0D5J/9dr1GRkI/KLnx/NbkRMS0gaL7Vu7KR4K3G5S9229yWwKOToPCwf1zz0+mWJz9NdRetmV1ZaVuDILyL/sVmJ9ZmZ92fxDo2+Ky99KU' +
    '8G11gsif4x9NbqlJ5zs2C4Q+nPV2diPJTk0CsQ8nBU9tJNGpGSD41szb7dvXMEkQf3H/YRD9a//+l20b1E5lSOTFU/tB+rf9p6+Va9SooCD/U6dug8HYy273' +
    'J6vNarOkT5M6TUYEh0eEh77xerweMBrm9Xg9b0LDI8KD8Z9vVlA4IPAFAACQHQCdASqAAIAAPm0slEekIiIhLJFL4IANiWoNsDiQBh0Xh/Xvyq8EDPXTf5t+' +
    'yP9S/ZTpfOJfA/5F4tD+4+1rtAfmv2AP4B/Of9T9qvcA8wH7Pfrn2GfoA+QD+efzv//9iB6AHlr/uZ8D39h/zn7U/AX+2+qk9Y+pfyjh9nECOYHEyoIZp43P' +
    'pP2C+h3+ubR/+/6fvdYTdUXp4dXIXx8YsUns4uW/ULWoIDsPKanX6kMVTCSoqR7Dq/MEF/yiovgHXsWvwiAE1RDWrwG0OSulpvbQbJ+S4Zpv2fktygk0aWNF' +
    'V4aNpGdLYuFC5m8bFgvKqwcmAAD+6dVTse3n/9QGepJ3cAQ6P5dPifNH9PrK5+fLQ0i+VM+NT32N/wL5IjYDnLZ812siTtLAZkvuCa1d9oeUP2qZlkbN42nh' +
    'yM+qijILQ94mdLVhqf+jXcRmPhUG/6rW4Uujae/9igoNTcN9O4GPLBx29YOPgbwAuha6mH1LkZ82180ZgZLwnLdXuYFcZwAAWhU6OrPhrCv2g1PfVbtNDywh' +
    'QUoanlJyA68uHgBol6Nd30/EqEgmHwTO8//+mQJSM2kK74Njvht/QmDoew0YFL0Mt6iHyLRyy9ApEWsbVxVuu+9U4tKJf0H8pjrsfcxb7DfJuYE6Sk+EdeLN' +
    '21qeL0Dm+P+QaRyUQH8QQO/LK5D7u0lCSM9OHYzFLulXl2DGN4T/3C+sp13hXtayR+rvigLahj9J4NZlYEUz9bk+915aKiXETJ+WXdK0Ntcv+Zal5Q13ODY/' +
    '8ZaKT2y92njLaiMAGeIhEK5ZqEVh///SBZ1jmNEBgsqMoXZ2/F7Z2HBSaw+Sg01+ooIiXR99a66oY+d9roHbA4/JmSMQCmWpvUzZpf9diQEiIZ2rhS5i7ZuS' +
    'ENCxVKSRtv+woXJEQxArhbtTieRD/XvS+x0Ad2d0RWFgNBM//+EfLl1dqLzq36ehDhjq7sbz/9NJ9g4WV3hgjjZW9ll+jZMnzNtcE6qfXvS+xyNyymi6Bmae' +
    'Fng7EaOu6KnpbK9M/v/QMZGA1VYPeETFujUZXag4PkSRfpFtwcDUESTq3gq6bUDCnCXNdG2CUg23YHbSE/02jj4D8/RIMnt1Bv7HWAOZxYi7bdf9/54/0n+v' +
    'JpAzSO3v1ogfe4VaABHv2yGpm+SPbZiRLeDhk0Bcbsttb2QDZXPEZlNokWIMGsHwXOY5Z70k6/OKPrfDxI51BD4P5wdqDcZfyZDyuPaJeEnFhayBmL32vw3h' +
    '3OyWyKJYsj3F7T6iVl3Tbte4ZceOlv147hC6IFkSTOI6o5gXONUYD8ycZ+Nw+o4Tijgy/7Vz5Vxg8NNtrqUjE+P/YdPhae10KcYWpiI/Mv4jitFJUGyD1P+S' +
    '7xixsdnWfexSikr25xa/iv0W2F3zfQcrTmvVlK7CxJ9SIVDgIHdnR0xGpazeoAEecP69H9wrXJ1NhV2Q6U3K4EQNeW9jn6uw7cvAhwXx8vFbvoDP4Noi7QfB' +
    'nDrAeSvmmIQ788dOkST//PZWzz8B3GW/fl/GaKzI+y3r6FgNq9qEqpzPD81zP0LVMcYLNR7wwI6txNJ1zv6F7najVvs3K2V2Bt0+zxqEmeTAOH0a+E9STKBr' +
    '6YnKaWZoX9WREQLo/MRbYLJ8aGp36hoxH6vGXNlH/FkYMmNivg9rhVqYmlBDQhn4OJb3hH5NQwrNVNl6RwhZ7lCUNXNwmRB+LnLAJYzz/nH08jn8NN677+Qt' +
    '9RIn8l52QZP9p0uWDzsn1KAHlw4mOjDJ858PSz0AB0i1VUUsD7kw+Xbr27qcezJ4G05OqCZQF5QjPeQQl//pXENH1Wy0w6/qtFi8JVzaKn+ms4jylcZbquQ0' +
    'FPG96Ff4/3R2zhukCLnYx8HWXkKKpha+uoiLNsahF7OxYZEahf9q5knn9wBxT///SxmSfJfv/DogLdc2Y5J6VC6PWSiTevfS3tU5q09ZYpwih6PmoDTy3HA+' +
    'GSitNOaz1gqDT8uS0jt+qZLqQwBXf7mqWT+hJBCG+3wAAA==';

/** A file of `size` bytes that starts with `head` (the rest a repeating, recognisable filler). */
function fileOf(head: string, size: number): () => Buffer {
  return () => {
    const file = Buffer.alloc(size, 'slicedeck simulated media ');
    Buffer.from(head, 'latin1').copy(file);
    return file;
  };
}

const photo = Buffer.from(PHOTO_JPEG, 'base64');
const sticker = Buffer.from(STICKER_WEBP, 'base64');
/** Larger than the host's 1 MiB cap on ordinary slice answers, within the default media limit (16 MiB). */
export const SIM_DOCUMENT_BYTES = 2_621_440;
/** Larger than the default media limit: refused with words unless the limit is raised. */
export const SIM_VIDEO_BYTES = 40 * 1024 * 1024;

/** Oldest first: the media messages of the simulated phone's first 1:1 chat. */
export const SIM_MEDIA: readonly SimulatedMediaFile[] = [
  { type: 'image', mimetype: 'image/jpeg', size: photo.length, caption: 'The view from the office 🌄', thumbnail: SIM_THUMBNAIL_JPEG, bytes: () => photo },
  { type: 'ptt', mimetype: 'audio/ogg; codecs=opus', size: 11_874, duration: 7, bytes: fileOf('OggS\u0000\u0002', 11_874) },
  { type: 'sticker', mimetype: 'image/webp', size: sticker.length, bytes: () => sticker },
  { type: 'document', mimetype: 'application/pdf', size: SIM_DOCUMENT_BYTES, filename: 'Price list 2026.pdf', caption: 'Here is the price list', bytes: fileOf('%PDF-1.4\n%slicedeck simulated document\n', SIM_DOCUMENT_BYTES) },
  { type: 'video', mimetype: 'video/mp4', size: SIM_VIDEO_BYTES, duration: 95, caption: 'Match highlights', thumbnail: SIM_THUMBNAIL_JPEG, bytes: fileOf('\u0000\u0000\u0000\u0018ftypmp42', SIM_VIDEO_BYTES) },
];

/**
 * Puts the media messages at the start of the first 1:1 chat's history (older than its
 * text, so its last message and the chat order stay as they were), from its contact.
 */
export function addSimulatedMedia(table: Map<string, SimulatedChat>): void {
  const entry = [...table.values()].find((candidate) => !candidate.chat.isGroup);
  const first = entry?.messages[0];
  if (!entry || !first) return;
  entry.media = new Map();
  const media: ChatMessage[] = SIM_MEDIA.map((file, index) => {
    const id = `false_${entry.chat.id}_SIMMEDIA${index}${file.type.toUpperCase()}`;
    entry.media!.set(id, file);
    return { id, chatId: entry.chat.id, fromMe: false, body: file.caption ?? '', timestamp: first.timestamp - (SIM_MEDIA.length - index) * 60_000 };
  });
  entry.messages.unshift(...media);
}
