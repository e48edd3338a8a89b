set terminal pngcairo noenhanced size 1100,600 font 'Sans,11'
set output "table3_tiny_imagenet_cpu_curves.png"
set label 1000 "Table 3 at CPU scale: training partial models (WRN-10-4 on Fashion-MNIST, 6 epochs)\ntest top-1 accuracy after each epoch" at screen 0.5, screen 0.975 center front
set tmargin 4
set ylabel 'test top-1 accuracy (%)'
set grid
set key outside right top vertical Left reverse spacing 1.3
set border 3
set tics nomirror
set xlabel 'epoch'
set xtics 1
set ylabel 'top-1 accuracy (%)'
data = "table3_tiny_imagenet_cpu_curves.dat"
plot data index 0 using 1:2 with linespoints linecolor rgb '#0072B2' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "0.1", \
  data index 1 using 1:2 with linespoints linecolor rgb '#D55E00' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "0.4", \
  data index 2 using 1:2 with linespoints linecolor rgb '#009E73' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "0.7", \
  data index 3 using 1:2 with linespoints linecolor rgb '#CC79A7' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "1.0"
unset output
set terminal svg noenhanced dynamic background '#ffffff' size 1100,600 font 'Sans,11'
set output "table3_tiny_imagenet_cpu_curves.svg"
set label 1000 "Table 3 at CPU scale: training partial models (WRN-10-4 on Fashion-MNIST, 6 epochs)\ntest top-1 accuracy after each epoch" at screen 0.5, screen 0.975 center front
set tmargin 4
set ylabel 'test top-1 accuracy (%)'
set grid
set key outside right top vertical Left reverse spacing 1.3
set border 3
set tics nomirror
set xlabel 'epoch'
set xtics 1
set ylabel 'top-1 accuracy (%)'
data = "table3_tiny_imagenet_cpu_curves.dat"
plot data index 0 using 1:2 with linespoints linecolor rgb '#0072B2' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "0.1", \
  data index 1 using 1:2 with linespoints linecolor rgb '#D55E00' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "0.4", \
  data index 2 using 1:2 with linespoints linecolor rgb '#009E73' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "0.7", \
  data index 3 using 1:2 with linespoints linecolor rgb '#CC79A7' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "1.0"
unset output
