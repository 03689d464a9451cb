/**
 * The evaluation page the replay portal serves at `/danh-gia-chat-luong-phuc-vu`: a small
 * Vietnamese page that, like the real single-page app, calls the API from its own script
 * (marked with `x-replay-spa: 1` so the server can tell those calls from the client's).
 */

/** Header the page's own script sends; such requests are logged as `fromPageScript`. */
export const SPA_HEADER = 'x-replay-spa';

export function evaluationPage(year: number): string {
  const body = JSON.stringify({ timeType: 'year', year, departmentType: 'ADMINISTRATIVE_UNIT' });
  return `<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Đánh giá chất lượng phục vụ - Cổng Dịch vụ công quốc gia</title>
</head>
<body>
<h1>Đánh giá chất lượng phục vụ người dân, doanh nghiệp</h1>
<p id="replay-status">Đang tải dữ liệu…</p>
<script>
(function () {
  var status = document.getElementById('replay-status');
  fetch('/api/v1/reporting/evaluation/service-results', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', '${SPA_HEADER}': '1' },
    body: ${JSON.stringify(body)}
  })
    .then(function (r) { return r.json(); })
    .then(function (j) {
      var n = j && j.data && j.data.evaluation ? j.data.evaluation.length : 0;
      status.textContent = 'Đã tải ' + n + ' tỉnh, thành phố';
    })
    .catch(function () { status.textContent = 'Không tải được dữ liệu'; });
})();
</script>
</body>
</html>
`;
}
