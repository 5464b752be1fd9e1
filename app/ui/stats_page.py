"""统计 page: a village's (or the county's) figures and bar charts drawn with QPainter, which an
official copies as a picture into a report (复制图表) or saves as PNG.

Takes an app_ctx with .ops, .runner, .bus.changed and .interaction (app/ui/context.AppContext).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPainter, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.ops import reads
from app.ui.quality_view import run_read

BAR = QColor("#2e86c1")


class BarChart(QWidget):
    """A horizontal bar chart of (label, value) pairs with its title, painted by hand."""

    def __init__(self, title: str, unit: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.title = title
        self.unit = unit
        self.items: list[tuple[str, float]] = []
        self.setMinimumSize(QSize(420, 160))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_items(self, items: list[tuple[str, float]]) -> None:
        self.items = list(items)
        self.setFixedHeight(60 + 26 * max(1, len(self.items)))
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        title_font = QFont(self.font())
        title_font.setBold(True)
        title_font.setPointSizeF(self.font().pointSizeF() * 1.15)
        p.setFont(title_font)
        p.drawText(QRectF(10, 6, self.width() - 20, 26), Qt.AlignmentFlag.AlignLeft, self.title)
        p.setFont(self.font())
        if not self.items:
            p.drawText(QRectF(10, 40, self.width() - 20, 24), Qt.AlignmentFlag.AlignLeft, self.tr("无数据"))
            return
        label_w = min(220, max(p.fontMetrics().horizontalAdvance(label) for label, _ in self.items) + 16)
        top, row_h = 40, 26
        right_margin = 110
        span = max(1.0, self.width() - label_w - right_margin - 10)
        biggest = max(v for _, v in self.items) or 1
        for i, (label, value) in enumerate(self.items):
            y = top + i * row_h
            p.setPen(QColor("#222"))
            p.drawText(QRectF(10, y, label_w - 12, row_h), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       label)
            width = span * value / biggest
            p.fillRect(QRectF(label_w, y + 5, width, row_h - 10), BAR)
            shown = f"{value:,.2f}" if isinstance(value, float) and not value.is_integer() else f"{value:,.0f}"
            p.drawText(QRectF(label_w + width + 6, y, right_margin, row_h), Qt.AlignmentFlag.AlignVCenter,
                       f"{shown}{self.unit}")
        p.end()


class StatsPage(QWidget):
    def __init__(self, app_ctx, parent: QWidget | None = None, village_id: str | None = None):
        super().__init__(parent)
        self.app_ctx = app_ctx
        self.village_id = village_id
        self.data: dict | None = None
        self.figures = QGridLayout()
        self.charts = {
            "by_status": BarChart(self.tr("按户状态（户）")),
            "by_cause": BarChart(self.tr("按主要致贫原因（户）")),
            "by_category": BarChart(self.tr("按贫困户属性（户）")),
            "measures": BarChart(self.tr("帮扶措施金额（元）")),
        }
        self.board = QWidget()
        board = QVBoxLayout(self.board)
        board.addLayout(self.figures)
        for chart in self.charts.values():
            board.addWidget(chart)
        board.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.board)
        refresh = QPushButton(self.tr("刷新"))
        copy = QPushButton(self.tr("复制图表"))
        save = QPushButton(self.tr("保存为图片…"))
        bar = QHBoxLayout()
        bar.addStretch(1)
        for b in (refresh, copy, save):
            bar.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(scroll, 1)
        refresh.clicked.connect(self.refresh)
        copy.clicked.connect(self.copy_picture)
        save.clicked.connect(self.save_picture)
        app_ctx.bus.changed.connect(lambda tables: self.refresh() if self.isVisible() else None)

    def set_village(self, village_id: str | None) -> None:
        self.village_id = village_id
        self.refresh()

    def refresh(self) -> None:
        run_read(self.app_ctx, reads.stats, self.village_id, on_done=self.show_stats)

    def show_stats(self, data: dict) -> None:
        self.data = data
        while self.figures.count():
            item = self.figures.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        rate = data["poverty_incidence"]
        pc = data["income_per_capita"]
        shown = [
            (self.tr("户数"), f"{data['households']:,}"), (self.tr("人数"), f"{data['members']:,}"),
            (self.tr("未脱贫人口"), f"{rate['poor_population']:,}"),
            (self.tr("贫困发生率"), "—" if rate["rate"] is None else f"{rate['rate']:.2f}%"
             + (f"（标准 {rate['threshold']:g}%）" if rate["threshold"] else "")),
            (self.tr("本月走访"), self.tr("{0:,} 次 / {1:,} 户").format(data["visits_this_month"],
                                                               data["households_visited_this_month"])),
            (self.tr("人均纯收入中位数"), "—" if pc["p50"] is None else f"{pc['p50']:,.2f} 元（{pc['year']}年）"),
        ]
        for i, (label, value) in enumerate(shown):
            name, figure = QLabel(label), QLabel(value)
            figure.setStyleSheet("font-size: 16pt; font-weight: bold;")
            self.figures.addWidget(name, (i // 3) * 2, i % 3)
            self.figures.addWidget(figure, (i // 3) * 2 + 1, i % 3)
        self.charts["by_status"].set_items(list(data["by_status"].items()))
        self.charts["by_cause"].set_items(list(data["by_cause"].items()))
        self.charts["by_category"].set_items(list(data["by_category"].items()))
        self.charts["measures"].set_items([(k, v["amount"]) for k, v in data["measures_by_type"].items()])
        self.board.layout().activate()  # the charts' new heights now, so a copy made right away is whole
        self.board.adjustSize()

    def picture(self) -> QPixmap:
        return self.board.grab()

    def copy_picture(self) -> None:
        QGuiApplication.clipboard().setPixmap(self.picture())

    def save_picture(self) -> None:
        path = self.app_ctx.interaction.ask_save_path(self.tr("保存统计图"), self.tr("PNG 图片 (*.png)"), "统计图.png")
        if path is None:
            return
        from app import fileops

        target = path.with_suffix(".png")

        def write(part):
            if not self.picture().save(str(part), "PNG"):
                raise OSError(f"无法写入 {target}")

        try:  # beside it, then swapped in (retried while a picture viewer holds the old file)
            fileops.write_via(target, write)
        except (OSError, fileops.FileBusy) as e:
            self.app_ctx.interaction.error(self.tr("保存失败"), str(e))
